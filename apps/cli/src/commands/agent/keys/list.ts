import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../../base-command.js';
import type { ApiKeyInfo, ItemList } from '@caracal/api-contract';
import { apiPath } from '../../../gateway-client.js';
import { formatKeyList } from '../../../output/agent-output.js';

export default class AgentKeysList extends GatewayCommand {
  static override summary = "List an agent's API keys (ids and status; keys themselves are never shown again).";

  static override examples = [{ description: "An agent's keys.", command: 'caracal agent keys list --agent-id <agent-id>' }];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent id.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentKeysList);
    const keys = await this.gateway(flags).get<ItemList<ApiKeyInfo>>(apiPath('agents', flags['agent-id'], 'keys'));
    this.show(flags, keys, (answer) => formatKeyList(answer.items));
  }
}
