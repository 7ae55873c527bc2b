import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { Policy } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatPolicy } from '../../output/policy-output.js';

export default class PolicyDeactivate extends GatewayCommand {
  static override summary = 'Deactivate a budget policy: it stops bounding the agent. Its history is kept.';

  static override examples = [
    {
      description: 'Retire a budget.',
      command: 'caracal policy deactivate --policy-id <policy-id> --change-reason "Replaced by monthly budget"',
    },
  ];

  static override flags = {
    'policy-id': Flags.string({ summary: 'Policy id.', required: true }),
    'change-reason': Flags.string({ summary: 'Why, for the audit trail.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PolicyDeactivate);
    const policy = await this.gateway(flags).post<Policy>(apiPath('policies', flags['policy-id'], 'deactivate'), {
      changeReason: flags['change-reason'],
    });
    this.show(flags, policy, (answer) => `Policy deactivated.\n${formatPolicy(answer)}`);
  }
}
