// Allowlist commands (allowlist create|test). The stand-in gateway (test/support/cli-command-
// gateway.ts) records each request and answers canned JSON shaped as docs/api.md says. The runbook
// forms are split into argv by bash itself, exactly as an operator's shell would.
import { describe, expect, it } from '@jest/globals';
import AllowlistCreate from './commands/allowlist/create.js';
import AllowlistTest from './commands/allowlist/test.js';
import type { AllowlistEntry, PatternType } from '@caracal/api-contract';
import { AGENT_ID, commandGateway, runbookArgv } from '@caracal/test-support/cli-command-gateway.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

const gateway = commandGateway();

function allowlistEntry(pattern: string, patternType: PatternType): AllowlistEntry {
  return { entryId: 'a1b2c3d4-0000-4000-8000-000000000009', agentId: AGENT_ID, pattern, patternType, createdAt: '2024-01-01T00:00:00.000Z', removedAt: null };
}

describe('runbook commands, as written in operational-runbook.txt', () => {
  it('caracal allowlist create (regex): the pattern arrives exactly as bash passed it', async () => {
    gateway.answer = { status: 201, body: allowlistEntry('^https://api\\.openai\\.com/.*$', 'regex') };
    const run = await runCliCommand(
      AllowlistCreate,
      runbookArgv(
        `caracal allowlist create \\
--agent-id ${AGENT_ID} \\
--pattern "^https://api\\\\.openai\\\\.com/.*$" \\
--pattern-type regex`,
        2,
      ),
    );
    expect(run.exitCode).toBe(0);
    const request = gateway.onlyRequest();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/allowlists');
    // bash turns the runbook's \\. into \. inside double quotes.
    expect(request.body).toStrictEqual({ agentId: AGENT_ID, pattern: '^https://api\\.openai\\.com/.*$', patternType: 'regex' });
    expect(run.stdout).toContain('Pattern:       ^https://api\\.openai\\.com/.*$');
  });

  it('caracal allowlist create (glob)', async () => {
    gateway.answer = { status: 201, body: allowlistEntry('https://api.anthropic.com/*', 'glob') };
    const run = await runCliCommand(
      AllowlistCreate,
      runbookArgv(
        `caracal allowlist create \\
--agent-id ${AGENT_ID} \\
--pattern "https://api.anthropic.com/*" \\
--pattern-type glob`,
        2,
      ),
    );
    expect(run.exitCode).toBe(0);
    expect(gateway.onlyRequest().body).toStrictEqual({ agentId: AGENT_ID, pattern: 'https://api.anthropic.com/*', patternType: 'glob' });
  });
});

describe('requests', () => {
  it('allowlist test: --url is the URL to check, the gateway comes from --gateway-url', async () => {
    gateway.answer = { status: 200, body: { allowed: false, normalizedUrl: 'https://example.com/', matchedEntry: null, message: 'no entry matches' } };
    process.env.CARACAL_URL = 'http://127.0.0.1:1';
    const run = await runCliCommand(AllowlistTest, ['--agent-id', AGENT_ID, '--url', 'https://EXAMPLE.com:443', '--gateway-url', gateway.url]);
    expect(run.exitCode).toBe(0);
    expect(gateway.onlyRequest().body).toStrictEqual({ agentId: AGENT_ID, url: 'https://EXAMPLE.com:443' });
    expect(run.stdout).toContain('Allowed:         no');
  });
});
