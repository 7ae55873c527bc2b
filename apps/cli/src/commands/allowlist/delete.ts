import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { AllowlistEntry } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatAllowlistEntry } from '../../output/allowlist-output.js';

export default class AllowlistDelete extends GatewayCommand {
  static override summary = 'Remove an allowlist entry: the agent may no longer call the URLs it matched.';

  static override examples = [{ description: 'Remove an entry.', command: 'caracal allowlist delete --entry-id <entry-id>' }];

  static override flags = {
    'entry-id': Flags.string({ summary: 'Entry id.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AllowlistDelete);
    const entry = await this.gateway(flags).delete<AllowlistEntry>(apiPath('allowlists', flags['entry-id']));
    this.show(flags, entry, (answer) => `Allowlist entry removed.\n${formatAllowlistEntry(answer)}`);
  }
}
