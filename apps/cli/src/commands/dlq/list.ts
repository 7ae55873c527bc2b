import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { DlqList as DlqListAnswer } from '@caracal/api-contract';
import { formatDlqList } from '../../output/ops-output.js';
import { checkTimestamp } from '../../timestamp.js';

export default class DlqList extends GatewayCommand {
  static override summary = 'List the events the processors parked in the dead-letter queue: parked ones unless --all.';
  static override description = 'An event is parked after its processor failed to apply it repeatedly; the processor has moved on. Retry it with `caracal dlq retry` once the cause is fixed.';

  static override examples = [
    { description: 'Parked events (runbook).', command: 'caracal dlq list' },
    { description: "The ledger writer's failures since this morning.", command: 'caracal dlq list --processor ledger-writer-group --since 2024-01-31T06:00:00Z' },
    { description: 'Retried and discarded entries too.', command: 'caracal dlq list --all --limit 200' },
  ];

  static override flags = {
    processor: Flags.string({ summary: 'Only this processor (consumer group), e.g. ledger-writer-group.' }),
    since: Flags.string({ summary: 'Only entries that last failed at or after this ISO 8601 time.' }),
    all: Flags.boolean({ summary: 'Retried and discarded entries too.' }),
    limit: Flags.integer({ summary: 'At most this many entries (the gateway sets the default and maximum).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DlqList);
    const since = flags.since === undefined ? undefined : checkTimestamp('since', flags.since);
    const list = await this.gateway(flags).get<DlqListAnswer>('/v1/dlq', {
      processor: flags.processor,
      since,
      status: flags.all ? 'all' : 'parked',
      limit: flags.limit,
    });
    this.show(flags, list, formatDlqList);
  }
}
