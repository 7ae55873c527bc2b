import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../../base-command.js';
import type { RotatedApiKey } from '@caracal/api-contract';
import { apiPath } from '../../../gateway-client.js';
import { formatRotatedKey } from '../../../output/agent-output.js';

export default class AgentKeysRotate extends GatewayCommand {
  static override summary = 'Replace an API key: issue a new key and revoke the old one.';
  static override description = 'The new key is printed once, in this answer only: store it now. The old key stops working immediately.';

  static override examples = [
    { description: 'Rotate a leaked key.', command: 'caracal agent keys rotate --agent-id <agent-id> --key-id <key-id>' },
  ];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent id.', required: true }),
    'key-id': Flags.string({ summary: 'Id of the key to replace.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentKeysRotate);
    const rotated = await this.gateway(flags).post<RotatedApiKey>(
      apiPath('agents', flags['agent-id'], 'keys', flags['key-id'], 'rotate'),
      {},
    );
    this.show(flags, rotated, formatRotatedKey);
  }
}
