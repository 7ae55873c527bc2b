import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { DlqDiscarded } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatDlqDiscard } from '../../output/ops-output.js';

export default class DlqDiscard extends GatewayCommand {
  static override summary = "Give up on a parked event: its DLQ entries are marked discarded and it is never projected.";

  static override examples = [{ description: 'Drop an event that can never apply.', command: 'caracal dlq discard --event-id <event-id>' }];

  static override flags = {
    'event-id': Flags.string({ summary: 'Id of the parked event.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DlqDiscard);
    const eventId = flags['event-id'];
    const result = await this.gateway(flags).post<DlqDiscarded>(apiPath('dlq', eventId, 'discard'), {});
    this.show(flags, result, (answer) => formatDlqDiscard(answer, eventId));
  }
}
