import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { TIME_WINDOWS, WINDOW_TYPES, type Policy } from '@caracal/api-contract';
import { formatPolicy } from '../../output/policy-output.js';

export default class PolicyCreate extends GatewayCommand {
  static override summary = 'Give an agent a budget: a spending limit per time window.';
  static override description =
    'The limit is a decimal amount sent as written (e.g. 100.00), never rounded by the CLI. ' +
    'Calendar windows restart at the window boundary in --timezone (default UTC); rolling windows look back one window length.';

  static override examples = [
    {
      description: 'A daily calendar budget (runbook).',
      command:
        'caracal policy create --agent-id <agent-id> --limit 100.00 --currency USD --time-window daily --window-type calendar --change-reason "Initial budget allocation"',
    },
    {
      description: 'A monthly budget on Paris time.',
      command:
        'caracal policy create --agent-id <agent-id> --limit 2500.00 --currency EUR --time-window monthly --window-type calendar --timezone Europe/Paris --change-reason "Q3 plan"',
    },
  ];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent the budget applies to.', required: true }),
    limit: Flags.string({ summary: 'Spending limit as a decimal amount, e.g. 100.00.', required: true }),
    currency: Flags.string({ summary: 'Currency code, e.g. USD.', required: true }),
    'time-window': Flags.option({ summary: 'Budget period.', options: TIME_WINDOWS, required: true })(),
    'window-type': Flags.option({ summary: 'Calendar (fixed boundaries) or rolling window.', options: WINDOW_TYPES, required: true })(),
    timezone: Flags.string({ summary: 'IANA timezone for calendar windows, e.g. Europe/Paris. Default: UTC.' }),
    'change-reason': Flags.string({ summary: 'Why, for the audit trail.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PolicyCreate);
    const policy = await this.gateway(flags).post<Policy>('/v1/policies', {
      agentId: flags['agent-id'],
      limit: flags.limit,
      currency: flags.currency,
      timeWindow: flags['time-window'],
      windowType: flags['window-type'],
      timezone: flags.timezone,
      changeReason: flags['change-reason'],
    });
    this.show(flags, policy, (answer) => `Policy created.\n${formatPolicy(answer)}`);
  }
}
