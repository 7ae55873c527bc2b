import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { AllowlistEntry, Page } from '@caracal/api-contract';
import { formatAllowlist } from '../../output/allowlist-output.js';

export default class AllowlistList extends GatewayCommand {
  static override summary = 'List allowlist entries.';
  static override description = 'Lists one page at a time; when there are more, the output ends with the --cursor to pass for the next page.';

  static override examples = [{ description: "An agent's entries.", command: 'caracal allowlist list --agent-id <agent-id>' }];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Only entries of this agent.' }),
    limit: Flags.integer({ summary: 'Page size (the gateway sets the default and maximum).' }),
    cursor: Flags.string({ summary: 'Next-page cursor printed by the previous page.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AllowlistList);
    const page = await this.gateway(flags).get<Page<AllowlistEntry>>('/v1/allowlists', {
      agentId: flags['agent-id'],
      limit: flags.limit,
      cursor: flags.cursor,
    });
    this.show(flags, page, (answer) => formatAllowlist(answer.items, answer.nextCursor));
  }
}
