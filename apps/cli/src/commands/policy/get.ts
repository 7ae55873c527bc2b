import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { Policy } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatPolicy } from '../../output/policy-output.js';

export default class PolicyGet extends GatewayCommand {
  static override summary = 'Show one budget policy (its current version).';

  static override examples = [{ description: 'Show a policy.', command: 'caracal policy get --policy-id <policy-id>' }];

  static override flags = {
    'policy-id': Flags.string({ summary: 'Policy id.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PolicyGet);
    const policy = await this.gateway(flags).get<Policy>(apiPath('policies', flags['policy-id']));
    this.show(flags, policy, formatPolicy);
  }
}
