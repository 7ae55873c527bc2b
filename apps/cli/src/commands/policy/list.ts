import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { Page, Policy } from '@caracal/api-contract';
import { formatPolicyList } from '../../output/policy-output.js';

export default class PolicyList extends GatewayCommand {
  static override summary = 'List budget policies: active ones unless --all.';
  static override description = 'Lists one page at a time; when there are more, the output ends with the --cursor to pass for the next page.';

  static override examples = [
    { description: "An agent's active policies.", command: 'caracal policy list --agent-id <agent-id>' },
    { description: 'Every policy, deactivated ones included.', command: 'caracal policy list --all' },
  ];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Only policies of this agent.' }),
    active: Flags.boolean({ summary: 'Only active policies (the default).', exclusive: ['all'] }),
    all: Flags.boolean({ summary: 'Deactivated policies too.', exclusive: ['active'] }),
    limit: Flags.integer({ summary: 'Page size (the gateway sets the default and maximum).' }),
    cursor: Flags.string({ summary: 'Next-page cursor printed by the previous page.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PolicyList);
    const page = await this.gateway(flags).get<Page<Policy>>('/v1/policies', {
      agentId: flags['agent-id'],
      // Without `active` the gateway answers with every policy, which is what --all asks for.
      active: flags.all ? undefined : true,
      limit: flags.limit,
      cursor: flags.cursor,
    });
    this.show(flags, page, (answer) => formatPolicyList(answer.items, answer.nextCursor));
  }
}
