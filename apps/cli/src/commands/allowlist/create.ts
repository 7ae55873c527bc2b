import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { PATTERN_TYPES, type AllowlistEntry } from '@caracal/api-contract';
import { formatAllowlistEntry } from '../../output/allowlist-output.js';

export default class AllowlistCreate extends GatewayCommand {
  static override summary = 'Allow an agent to call the URLs matching a pattern.';
  static override description =
    'The pattern is sent exactly as the shell passes it. A regex must match the whole normalised URL. ' +
    'A glob is matched part by part: * in the host stays within the host, * in the path matches anything, / included. ' +
    'An agent with no entries may call nothing.';

  static override examples = [
    {
      description: 'Regex pattern (runbook).',
      command: 'caracal allowlist create --agent-id <agent-id> --pattern "^https://api\\\\.openai\\\\.com/.*$" --pattern-type regex',
    },
    {
      description: 'Glob pattern (runbook).',
      command: 'caracal allowlist create --agent-id <agent-id> --pattern "https://api.anthropic.com/*" --pattern-type glob',
    },
  ];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent the entry applies to.', required: true }),
    pattern: Flags.string({ summary: 'URL pattern.', required: true }),
    'pattern-type': Flags.option({ summary: 'How to read the pattern.', options: PATTERN_TYPES, required: true })(),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AllowlistCreate);
    const entry = await this.gateway(flags).post<AllowlistEntry>('/v1/allowlists', {
      agentId: flags['agent-id'],
      pattern: flags.pattern,
      patternType: flags['pattern-type'],
    });
    this.show(flags, entry, (answer) => `Allowlist entry created.\n${formatAllowlistEntry(answer)}`);
  }
}
