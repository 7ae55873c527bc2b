import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { Agent } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatAgent } from '../../output/agent-output.js';

export default class AgentSuspend extends GatewayCommand {
  static override summary = 'Suspend an agent: the gateway refuses its calls until it is reactivated.';

  static override examples = [
    { description: 'Stop a runaway agent.', command: 'caracal agent suspend --agent-id <agent-id> --reason "runaway loop"' },
  ];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent id.', required: true }),
    reason: Flags.string({ summary: 'Why, for the audit trail.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentSuspend);
    const agent = await this.gateway(flags).post<Agent>(apiPath('agents', flags['agent-id'], 'suspend'), { reason: flags.reason });
    this.show(flags, agent, (answer) => `Agent suspended.\n${formatAgent(answer)}`);
  }
}
