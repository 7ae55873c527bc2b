import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_USAGE } from '../../cli-error.js';
import type { DlqRetryOutcome, ItemList } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatDlqRetry } from '../../output/ops-output.js';

export default class DlqRetry extends GatewayCommand {
  static override summary = 'Apply parked events again: one event, or every parked entry.';
  static override description =
    'An entry whose retry succeeds is marked retried; one that fails again stays parked with the new error. ' +
    'The command exits 0 either way: the outcome of each entry is in the output (and in --json).';

  static override examples = [
    { description: 'Retry one event once its cause is fixed.', command: 'caracal dlq retry --event-id <event-id>' },
    { description: 'Retry everything the ledger writer parked.', command: 'caracal dlq retry --all --processor ledger-writer-group' },
  ];

  static override flags = {
    'event-id': Flags.string({ summary: 'Id of the parked event.', exclusive: ['all'] }),
    all: Flags.boolean({ summary: 'Every parked entry.', exclusive: ['event-id'] }),
    processor: Flags.string({ summary: 'With --all: only the entries of this processor.', dependsOn: ['all'] }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DlqRetry);
    const gateway = this.gateway(flags);
    let result: ItemList<DlqRetryOutcome>;
    if (flags['event-id'] !== undefined) {
      result = await gateway.post<ItemList<DlqRetryOutcome>>(apiPath('dlq', flags['event-id'], 'retry'), {});
    } else if (flags.all) {
      result = await gateway.post<ItemList<DlqRetryOutcome>>('/v1/dlq/retry', { processor: flags.processor });
    } else {
      throw new CliError('say what to retry: --event-id <event-id>, or --all (optionally with --processor).', EXIT_USAGE);
    }
    this.show(flags, result, (answer) => formatDlqRetry(answer.items));
  }
}
