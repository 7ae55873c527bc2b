import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { ItemList, PolicyVersion } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatPolicyHistory } from '../../output/policy-output.js';

export default class PolicyHistory extends GatewayCommand {
  static override summary = "Show every version of a policy, oldest first, with who changed it and why.";

  static override examples = [{ description: "A policy's versions.", command: 'caracal policy history --policy-id <policy-id>' }];

  static override flags = {
    'policy-id': Flags.string({ summary: 'Policy id.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PolicyHistory);
    const history = await this.gateway(flags).get<ItemList<PolicyVersion>>(apiPath('policies', flags['policy-id'], 'history'));
    this.show(flags, history, (answer) => formatPolicyHistory(answer.items));
  }
}
