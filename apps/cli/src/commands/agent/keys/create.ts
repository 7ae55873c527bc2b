import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../../base-command.js';
import type { IssuedApiKey } from '@caracal/api-contract';
import { apiPath } from '../../../gateway-client.js';
import { formatIssuedKey } from '../../../output/agent-output.js';

export default class AgentKeysCreate extends GatewayCommand {
  static override summary = 'Issue an additional API key for an agent.';
  static override description = 'The key is printed once, in this answer only: store it now. Existing keys stay valid.';

  static override examples = [{ description: 'A second key for an agent.', command: 'caracal agent keys create --agent-id <agent-id>' }];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent id.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentKeysCreate);
    const issued = await this.gateway(flags).post<IssuedApiKey>(apiPath('agents', flags['agent-id'], 'keys'), {});
    this.show(flags, issued, formatIssuedKey);
  }
}
