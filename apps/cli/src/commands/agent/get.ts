import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { Agent } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatAgent } from '../../output/agent-output.js';

export default class AgentGet extends GatewayCommand {
  static override summary = 'Show one agent.';

  static override examples = [{ description: 'Show an agent.', command: 'caracal agent get --agent-id <agent-id>' }];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent id.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentGet);
    const agent = await this.gateway(flags).get<Agent>(apiPath('agents', flags['agent-id']));
    this.show(flags, agent, formatAgent);
  }
}
