import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { AGENT_STATUSES, type Agent, type Page } from '@caracal/api-contract';
import { formatAgentList } from '../../output/agent-output.js';

export default class AgentList extends GatewayCommand {
  static override summary = 'List agents, optionally filtered.';
  static override description = 'Lists one page at a time; when there are more, the output ends with the --cursor to pass for the next page.';

  static override examples = [
    { description: 'All agents of an owner.', command: 'caracal agent list --owner "user@example.com"' },
    { description: 'Suspended children of an agent.', command: 'caracal agent list --parent-id <agent-id> --status suspended' },
  ];

  static override flags = {
    owner: Flags.string({ summary: 'Only agents of this owner.' }),
    name: Flags.string({ summary: 'Only the agent with this name.' }),
    status: Flags.option({ summary: 'Only agents in this status.', options: AGENT_STATUSES })(),
    'parent-id': Flags.string({ summary: 'Only direct children of this agent.' }),
    limit: Flags.integer({ summary: 'Page size (the gateway sets the default and maximum).' }),
    cursor: Flags.string({ summary: 'Next-page cursor printed by the previous page.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentList);
    const page = await this.gateway(flags).get<Page<Agent>>('/v1/agents', {
      owner: flags.owner,
      name: flags.name,
      status: flags.status,
      parentAgentId: flags['parent-id'],
      limit: flags.limit,
      cursor: flags.cursor,
    });
    this.show(flags, page, (answer) => formatAgentList(answer.items, answer.nextCursor));
  }
}
