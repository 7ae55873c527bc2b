import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { AllowlistTestResult } from '@caracal/api-contract';
import { formatAllowlistTest } from '../../output/allowlist-output.js';

export default class AllowlistTest extends GatewayCommand {
  static override summary = "Check whether an agent's allowlist lets it call a URL.";
  static override description =
    'Answers with the normalised URL and the entry that matched, without calling the URL. ' +
    'Exits 0 whether or not the URL is allowed (see "allowed" with --json). ' +
    'Here --url is the URL to check; give the gateway URL with --gateway-url or CARACAL_URL.';

  static override examples = [
    {
      description: 'Would this call be allowed?',
      command: 'caracal allowlist test --agent-id <agent-id> --url "https://api.openai.com/v1/chat/completions"',
    },
  ];

  // Here `--url` is the URL under test, so it replaces the global gateway `--url`; the gateway
  // URL is still accepted under its alias --gateway-url (valid on every command).
  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent id.', required: true }),
    url: Flags.string({ summary: 'URL to check.', required: true }),
    'gateway-url': Flags.string({
      summary: 'Gateway URL (what --url is for the other commands). Env: CARACAL_URL.',
      helpGroup: 'GLOBAL',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AllowlistTest);
    const gateway = this.gateway({ ...flags, url: flags['gateway-url'] });
    const result = await gateway.post<AllowlistTestResult>('/v1/allowlists/test', { agentId: flags['agent-id'], url: flags.url });
    this.show(flags, result, formatAllowlistTest);
  }
}
