import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { Agent } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatAgent } from '../../output/agent-output.js';

export default class AgentReactivate extends GatewayCommand {
  static override summary = 'Reactivate a suspended agent.';

  static override examples = [{ description: 'Let an agent call again.', command: 'caracal agent reactivate --agent-id <agent-id>' }];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent id.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentReactivate);
    const agent = await this.gateway(flags).post<Agent>(apiPath('agents', flags['agent-id'], 'reactivate'), {});
    this.show(flags, agent, (answer) => `Agent reactivated.\n${formatAgent(answer)}`);
  }
}
