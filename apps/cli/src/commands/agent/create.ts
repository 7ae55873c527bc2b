import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { CreatedAgent } from '@caracal/api-contract';
import { metadataFlag, metadataFromFlags } from '../../metadata-flag.js';
import { formatCreatedAgent } from '../../output/agent-output.js';

export default class AgentCreate extends GatewayCommand {
  static override summary = 'Register an agent and issue its first API key.';
  static override description =
    'The API key is printed once, in this answer only: store it before doing anything else. ' +
    'An agent with a parent counts its spending against every policy of its ancestors.';

  static override examples = [
    {
      description: 'Register an agent (runbook).',
      command: 'caracal agent create --name "my-agent" --description "My AI agent" --owner "user@example.com"',
    },
    {
      description: 'Register a child agent with metadata.',
      command:
        'caracal agent create --name "summarizer" --description "Summarizes tickets" --owner "user@example.com" --parent-id <agent-id> --metadata team=support --metadata env=prod',
    },
  ];

  static override flags = {
    name: Flags.string({ summary: 'Agent name (unique).', required: true }),
    description: Flags.string({ summary: 'What the agent does.', required: true }),
    owner: Flags.string({ summary: 'Who answers for the agent, e.g. an email address.', required: true }),
    'parent-id': Flags.string({ summary: 'Parent agent id: the parent\'s budgets also bound this agent.' }),
    metadata: metadataFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentCreate);
    const created = await this.gateway(flags).post<CreatedAgent>('/v1/agents', {
      name: flags.name,
      description: flags.description,
      owner: flags.owner,
      parentAgentId: flags['parent-id'],
      metadata: metadataFromFlags(flags.metadata),
    });
    this.show(flags, created, formatCreatedAgent);
  }
}
