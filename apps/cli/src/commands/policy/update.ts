import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_USAGE } from '../../cli-error.js';
import { TIME_WINDOWS, WINDOW_TYPES, type Policy } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatPolicy } from '../../output/policy-output.js';

export default class PolicyUpdate extends GatewayCommand {
  static override summary = 'Change a budget policy: records a new version.';
  static override description = 'Only the flags given change; the others keep their current values. The previous versions stay in `policy history`.';

  static override examples = [
    {
      description: 'Raise a budget.',
      command: 'caracal policy update --policy-id <policy-id> --limit 250.00 --change-reason "Launch week"',
    },
  ];

  static override flags = {
    'policy-id': Flags.string({ summary: 'Policy id.', required: true }),
    limit: Flags.string({ summary: 'New spending limit as a decimal amount, e.g. 250.00.' }),
    currency: Flags.string({ summary: 'New currency code.' }),
    'time-window': Flags.option({ summary: 'New budget period.', options: TIME_WINDOWS })(),
    'window-type': Flags.option({ summary: 'New window type.', options: WINDOW_TYPES })(),
    timezone: Flags.string({ summary: 'New IANA timezone for calendar windows.' }),
    'change-reason': Flags.string({ summary: 'Why, for the audit trail.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PolicyUpdate);
    const changes = {
      limit: flags.limit,
      currency: flags.currency,
      timeWindow: flags['time-window'],
      windowType: flags['window-type'],
      timezone: flags.timezone,
    };
    if (Object.values(changes).every((value) => value === undefined)) {
      throw new CliError(
        'nothing to update: pass --limit, --currency, --time-window, --window-type or --timezone.',
        EXIT_USAGE,
      );
    }
    const policy = await this.gateway(flags).patch<Policy>(apiPath('policies', flags['policy-id']), {
      ...changes,
      changeReason: flags['change-reason'],
    });
    this.show(flags, policy, (answer) => `Policy updated.\n${formatPolicy(answer)}`);
  }
}
