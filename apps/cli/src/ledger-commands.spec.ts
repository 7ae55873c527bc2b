// `ledger query`: entries by time range, or spending in a window. The stand-in gateway
// (test/support/cli-command-gateway.ts) records each request and answers canned JSON shaped as
// docs/api.md says. The runbook forms are split into argv by bash itself, exactly as an operator's
// shell would.
import { describe, expect, it } from '@jest/globals';
import LedgerQuery from './commands/ledger/query.js';
import type { LedgerEntry, PolicyUsage } from '@caracal/api-contract';
import { ADMIN_TOKEN, AGENT_ID, EVENT_ID, commandGateway, policy, runbookArgv } from '@caracal/test-support/cli-command-gateway.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

const gateway = commandGateway();

const ledgerEntry: LedgerEntry = {
  entryId: 'le-1',
  eventId: EVENT_ID,
  globalPosition: '42',
  agentId: AGENT_ID,
  agentPath: [AGENT_ID],
  reservationId: 'r-1',
  resource: 'https://api.openai.com/v1/chat/completions',
  model: 'gpt-4o',
  usage: { inputTokens: 1000, outputTokens: 200 },
  amount: '0.004500',
  currency: 'USD',
  pricebookVersion: '2024-01',
  kind: 'settled',
  occurredAt: '2024-01-15T10:00:00.000Z',
  recordedAt: '2024-01-15T10:00:00.100Z',
};

const policyUsage: PolicyUsage = {
  policyId: policy.policyId,
  agentId: AGENT_ID,
  timeWindow: 'daily',
  windowType: 'calendar',
  timezone: 'UTC',
  currency: 'USD',
  limit: '100.00',
  spent: '12.50',
  held: '1.25',
  remaining: '86.25',
  windowStart: '2024-01-15T00:00:00.000Z',
  windowEnd: '2024-01-16T00:00:00.000Z',
};

describe('runbook commands, as written in operational-runbook.txt', () => {
  it('caracal ledger query (time range): GET /v1/ledger/entries with the times as written, entries then totals', async () => {
    gateway.answer = { status: 200, body: { items: [ledgerEntry], nextCursor: null, totals: [{ currency: 'USD', amount: '0.004500', entries: 1 }] } };
    const run = await runCliCommand(
      LedgerQuery,
      runbookArgv(
        `caracal ledger query \\
--agent-id ${AGENT_ID} \\
--start-time "2024-01-01T00:00:00Z" \\
--end-time "2024-01-31T23:59:59Z"`,
        2,
      ),
    );
    expect(run.exitCode).toBe(0);
    const request = gateway.onlyRequest();
    expect(request.method).toBe('GET');
    expect(request.url).toBe(`/v1/ledger/entries?agentId=${AGENT_ID}&startTime=2024-01-01T00%3A00%3A00Z&endTime=2024-01-31T23%3A59%3A59Z`);
    expect(request.headers.authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    expect(request.body).toBeUndefined();
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^TIME +AMOUNT +OVERAGE +CURRENCY +RESOURCE +MODEL +KIND$/);
    expect(lines[1]).toBe('2024-01-15T10:00:00.000Z  0.004500        -  USD       https://api.openai.com/v1/chat/completions  gpt-4o  settled');
    expect(run.stdout).toContain('Totals from 2024-01-01T00:00:00Z to 2024-01-31T23:59:59Z (all pages):\nCURRENCY     TOTAL  ENTRIES\nUSD       0.004500        1\n');
    expect(run.stderr).toBe('');
  });

  it('caracal ledger query (current daily spending): GET /v1/ledger/usage, one row per policy', async () => {
    gateway.answer = { status: 200, body: { agentId: AGENT_ID, at: '2024-01-15T10:00:00.000Z', items: [policyUsage] } };
    const run = await runCliCommand(
      LedgerQuery,
      runbookArgv(
        `caracal ledger query \\
--agent-id ${AGENT_ID} \\
--time-window daily`,
        2,
      ),
    );
    expect(run.exitCode).toBe(0);
    const request = gateway.onlyRequest();
    expect(request.method).toBe('GET');
    expect(request.url).toBe(`/v1/ledger/usage?agentId=${AGENT_ID}&timeWindow=daily`);
    expect(request.body).toBeUndefined();
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`Agent ID:  ${AGENT_ID}`);
    expect(lines[3]).toMatch(/^POLICY ID +AGENT ID +WINDOW +LIMIT +SPENT +HELD +REMAINING +CURRENCY$/);
    expect(lines[4]).toBe(
      `${policy.policyId}  ${AGENT_ID}  2024-01-15T00:00:00.000Z – 2024-01-16T00:00:00.000Z  100.00  12.50  1.25      86.25  USD`,
    );
  });
});

describe('ledger query', () => {
  it('passes --end-time now through unchanged, with the page flags', async () => {
    gateway.answer = { status: 200, body: { items: [], nextCursor: 'c2', totals: [{ currency: 'USD', amount: '3.00', entries: 120 }] } };
    const run = await runCliCommand(LedgerQuery, ['--agent-id', AGENT_ID, '--start-time', '2024-01-01T00:00:00+01:00', '--end-time', 'now', '--limit', '50', '--cursor', 'c1']);
    expect(run.exitCode).toBe(0);
    expect(gateway.onlyRequest().url).toBe(`/v1/ledger/entries?agentId=${AGENT_ID}&startTime=2024-01-01T00%3A00%3A00%2B01%3A00&endTime=now&limit=50&cursor=c1`);
    expect(run.stdout).toContain('No ledger entries found.');
    expect(run.stdout).toContain('CURRENCY  TOTAL  ENTRIES\nUSD        3.00      120\n');
    expect(run.stdout.endsWith('More ledger entries: rerun with --cursor c2\n')).toBe(true);
  });

  it.each([
    ['both forms', ['--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now', '--time-window', 'daily'], 'Error: --time-window cannot be combined with --start-time/--end-time.'],
    ['neither form', [], 'Error: nothing to query: pass --start-time and --end-time, or --time-window.'],
    ['a start without an end', ['--start-time', '2024-01-01T00:00:00Z'], 'Error: --start-time and --end-time go together'],
    ['an end without a start', ['--end-time', 'now'], 'Error: --start-time and --end-time go together'],
    ['a time that is not ISO 8601', ['--start-time', 'yesterday', '--end-time', 'now'], 'Error: --start-time expects an ISO 8601 date-time'],
    ['a date that does not exist', ['--start-time', '2024-02-30T00:00:00Z', '--end-time', 'now'], 'Error: --start-time expects'],
    ['a time without its offset', ['--start-time', '2024-01-01T00:00:00', '--end-time', 'now'], 'Error: --start-time expects'],
    ['now as the start', ['--start-time', 'now', '--end-time', 'now'], 'Error: --start-time expects'],
    ['garbage as the end', ['--start-time', '2024-01-01T00:00:00Z', '--end-time', '31/01/2024'], 'Error: --end-time expects an ISO 8601 date-time such as 2024-01-31T23:59:59Z, or now; got "31/01/2024".'],
    ['a start after the end', ['--start-time', '2024-02-01T00:00:00Z', '--end-time', '2024-01-01T00:00:00Z'], 'Error: --start-time 2024-02-01T00:00:00Z is after --end-time'],
    ['page flags with --time-window', ['--time-window', 'daily', '--limit', '10'], 'Error: --limit and --cursor page the entries'],
  ])('%s is a usage error (exit 2) and nothing is sent', async (_case, argv, message) => {
    const run = await runCliCommand(LedgerQuery, ['--agent-id', AGENT_ID, ...argv]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.startsWith(message)).toBe(true);
    expect(run.stdout).toBe('');
    expect(gateway.requests).toHaveLength(0);
  });

  it('shows the overage of an entry charged above its hold; "-" within the hold or from a gateway without the field', async () => {
    const entry = (amount: string, extra: Record<string, string>) => ({
      entryId: 'e', eventId: 'e', globalPosition: '1', agentId: AGENT_ID, agentPath: [AGENT_ID], reservationId: 'r', resource: 'https://api.openai.com/v1/chat/completions',
      model: 'gpt-4o-mini', usage: null, amount, currency: 'USD', pricebookVersion: 'v1', kind: 'settled', occurredAt: '2024-01-15T10:00:00.000Z', recordedAt: '2024-01-15T10:00:00.000Z', ...extra,
    });
    gateway.answer = { status: 200, body: { nextCursor: null, totals: [], items: [
      entry('1.20', { held: '0.90', overage: '0.30' }), entry('0.50', { held: '0.90', overage: '0.00' }), entry('0.70', {}),
    ] } };
    const run = await runCliCommand(LedgerQuery, ['--agent-id', AGENT_ID, '--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now']);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^TIME +AMOUNT +OVERAGE +CURRENCY/);
    expect(lines.slice(1, 4).map((line) => line.split(/ +/).slice(1, 3))).toEqual([['1.20', '0.30'], ['0.50', '-'], ['0.70', '-']]);
    expect(lines[4]).toBe('OVERAGE: charged above the hold, because the upstream reported more usage than the request allowed (max_tokens).');
  });

  it('says so when no policy of that window applies', async () => {
    gateway.answer = { status: 200, body: { agentId: AGENT_ID, at: '2024-01-15T10:00:00.000Z', items: [] } };
    const run = await runCliCommand(LedgerQuery, ['--agent-id', AGENT_ID, '--time-window', 'total']);
    expect(run.stdout).toContain('No active total policy applies to this agent or its ancestors.');
  });
});
