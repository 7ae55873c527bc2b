import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { DlqEntry, ItemList } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatDlqEntries } from '../../output/ops-output.js';

export default class DlqGet extends GatewayCommand {
  static override summary = "Show an event's DLQ entries: one per processor that parked it, with the error.";

  static override examples = [{ description: 'Why an event was parked (runbook).', command: 'caracal dlq get --event-id <event-id>' }];

  static override flags = {
    'event-id': Flags.string({ summary: 'Id of the parked event.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DlqGet);
    const entries = await this.gateway(flags).get<ItemList<DlqEntry>>(apiPath('dlq', flags['event-id']));
    this.show(flags, entries, (answer) => formatDlqEntries(answer.items));
  }
}
