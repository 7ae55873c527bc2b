import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_USAGE } from '../../cli-error.js';
import type { Agent } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { metadataFlag, metadataFromFlags } from '../../metadata-flag.js';
import { formatAgent } from '../../output/agent-output.js';

export default class AgentUpdate extends GatewayCommand {
  static override summary = "Change an agent's name, description or metadata.";
  static override description = 'Only the flags given are sent. --metadata sends the given entries as the agent\'s metadata.';

  static override examples = [
    { description: 'Rename an agent.', command: 'caracal agent update --agent-id <agent-id> --name "my-agent-v2"' },
    {
      description: 'Set its metadata.',
      command: 'caracal agent update --agent-id <agent-id> --metadata team=ml --metadata env=prod',
    },
  ];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent id.', required: true }),
    name: Flags.string({ summary: 'New name.' }),
    description: Flags.string({ summary: 'New description.' }),
    metadata: metadataFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentUpdate);
    const changes = { name: flags.name, description: flags.description, metadata: metadataFromFlags(flags.metadata) };
    if (Object.values(changes).every((value) => value === undefined)) {
      throw new CliError('nothing to update: pass --name, --description or --metadata.', EXIT_USAGE);
    }
    const agent = await this.gateway(flags).patch<Agent>(apiPath('agents', flags['agent-id']), changes);
    this.show(flags, agent, (answer) => `Agent updated.\n${formatAgent(answer)}`);
  }
}
