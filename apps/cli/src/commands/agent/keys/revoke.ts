import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../../base-command.js';
import type { ApiKeyInfo } from '@caracal/api-contract';
import { apiPath } from '../../../gateway-client.js';
import { formatKey } from '../../../output/agent-output.js';

export default class AgentKeysRevoke extends GatewayCommand {
  static override summary = 'Revoke an API key: calls with it are refused from now on.';

  static override examples = [
    { description: 'Revoke a key.', command: 'caracal agent keys revoke --agent-id <agent-id> --key-id <key-id>' },
  ];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent id.', required: true }),
    'key-id': Flags.string({ summary: 'Id of the key to revoke.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentKeysRevoke);
    const key = await this.gateway(flags).delete<ApiKeyInfo>(apiPath('agents', flags['agent-id'], 'keys', flags['key-id']));
    this.show(flags, key, (answer) => `API key revoked.\n${formatKey(answer)}`);
  }
}
