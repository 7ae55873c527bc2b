import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { HistoryEntry, ItemList } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatHistory } from '../../output/agent-output.js';

export default class AgentHistory extends GatewayCommand {
  static override summary = "Show an agent's history: every recorded change, oldest first.";

  static override examples = [{ description: 'Who changed an agent, and when.', command: 'caracal agent history --agent-id <agent-id>' }];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent id.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentHistory);
    const history = await this.gateway(flags).get<ItemList<HistoryEntry>>(apiPath('agents', flags['agent-id'], 'history'));
    this.show(flags, history, (answer) => formatHistory(answer.items));
  }
}
