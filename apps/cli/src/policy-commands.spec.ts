// Policy commands (policy create|list|update). The stand-in gateway (test/support/cli-command-
// gateway.ts) records each request and answers canned JSON shaped as docs/api.md says. The runbook
// forms are split into argv by bash itself, exactly as an operator's shell would.
import { describe, expect, it } from '@jest/globals';
import PolicyCreate from './commands/policy/create.js';
import PolicyList from './commands/policy/list.js';
import PolicyUpdate from './commands/policy/update.js';
import { ADMIN_TOKEN, AGENT_ID, commandGateway, policy, runbookArgv } from '@caracal/test-support/cli-command-gateway.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

const gateway = commandGateway();

describe('runbook commands, as written in operational-runbook.txt', () => {
  it('caracal policy create: the limit is sent as the string "100.00"', async () => {
    gateway.answer = { status: 201, body: policy };
    const run = await runCliCommand(
      PolicyCreate,
      runbookArgv(
        `caracal policy create \\
--agent-id ${AGENT_ID} \\
--limit 100.00 \\
--currency USD \\
--time-window daily \\
--window-type calendar \\
--change-reason "Initial budget allocation"`,
        2,
      ),
    );
    expect(run.exitCode).toBe(0);
    const request = gateway.onlyRequest();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/policies');
    expect(request.headers.authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    expect(request.body).toStrictEqual({
      agentId: AGENT_ID,
      limit: '100.00',
      currency: 'USD',
      timeWindow: 'daily',
      windowType: 'calendar',
      changeReason: 'Initial budget allocation',
    });
    expect(run.stdout).toContain('Limit:          100.00 USD');
  });
});

describe('requests', () => {
  it('policy list asks for active policies unless --all', async () => {
    gateway.answer = { status: 200, body: { items: [], nextCursor: null } };
    await runCliCommand(PolicyList, ['--agent-id', AGENT_ID]);
    await runCliCommand(PolicyList, ['--all']);
    expect(gateway.requests.map((request) => request.url)).toEqual([`/v1/policies?agentId=${AGENT_ID}&active=true`, '/v1/policies']);
  });

  it('policy update sends only the changed terms and the reason', async () => {
    gateway.answer = { status: 200, body: { ...policy, limit: '250.00', version: 2 } };
    await runCliCommand(PolicyUpdate, ['--policy-id', policy.policyId, '--limit', '250.00', '--change-reason', 'Launch week']);
    const request = gateway.onlyRequest();
    expect(request.method).toBe('PATCH');
    expect(request.url).toBe(`/v1/policies/${policy.policyId}`);
    expect(request.body).toStrictEqual({ limit: '250.00', changeReason: 'Launch week' });
  });
});
