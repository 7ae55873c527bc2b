// Issue 10, item 9: an upstream that reports more usage than the hold allowed (more output tokens
// than max_tokens) is charged what it reports, and the overage shows on the ledger entry, in
// `caracal ledger query` and in the gateway's metrics.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { formatAmount } from '@caracal/money';
import { ProcessorHost } from '@caracal/processing';
import { SqlEventStore } from '@caracal/event-store';
import LedgerQuery from '../../apps/cli/src/commands/ledger/query.js';
import { startAdminApi, TEST_ADMIN_TOKEN, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

// gpt-4o-mini: 0.15 / 0.60 USD per million input / output tokens (pricebook/pricebook.json).
const INPUT_NANOS_PER_TOKEN = 150n;
const OUTPUT_NANOS_PER_TOKEN = 600n;

describe.each(backends)('overage: usage above the hold, on %s', (backend) => {
  let api: AdminApiHarness;
  let mock: MockUpstream;
  let host: ProcessorHost;

  beforeAll(async () => {
    mock = await startMockUpstream();
    api = await startAdminApi(backend, {
      CARACAL_UPSTREAM_OPENAI_URL: mock.url,
      OPENAI_API_KEY: 'sk-provider-secret',
      CARACAL_PRICEBOOK: pricebookWithResource(`${mock.url}/*`, '0.01'),
    });
    host = new ProcessorHost({
      client: api.client, store: new SqlEventStore(api.client), registry: api.deps.registry, names: ['ledger-writer-group'],
      tuning: { pollMs: 100, leaseMs: 3000 },
    });
    host.start();
  });
  afterAll(async () => {
    await host?.stop();
    await api?.close();
    await mock?.close();
  });

  const chat = (key: string, maxTokens: number) => fetch(`${api.baseUrl}/proxy/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: maxTokens, messages: [{ role: 'user', content: 'hi' }] }),
  });

  it('charges the reported usage in full, and the ledger entry, ledger query and metrics show the overage', async () => {
    const created = await api.call('POST', '/v1/agents', { name: 'overrunner', owner: 'ops@example.com' });
    const agentId: string = created.body.agent.agentId;
    const key: string = created.body.apiKey.key;
    expect((await api.call('POST', '/v1/policies', { agentId, limit: '10.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'test' })).status).toBe(201);
    expect((await api.call('POST', '/v1/allowlists', { agentId, pattern: 'https://api.openai.com/*', patternType: 'glob' })).status).toBe(201);

    // Within the hold first (5 output tokens of 100 allowed), then 5,000 output tokens reported for max_tokens 100.
    mock.usage = { inputTokens: 10, outputTokens: 5 };
    expect((await chat(key, 100)).status).toBe(200);
    mock.usage = { inputTokens: 10, outputTokens: 5000 };
    expect((await chat(key, 100)).status).toBe(200);

    const ledger = async () => (await api.call('GET', `/v1/ledger/entries?agentId=${agentId}&startTime=2024-01-01T00:00:00Z&endTime=now`)).body;
    await waitFor(async () => (await ledger()).items.length === 2, 'both charges on the ledger');
    const { rows: holds } = await api.client.query<{ reservation_id: string; held: string }>(
      `SELECT e.data->>'reservationId' AS reservation_id, e.data->>'amountNanos' AS held FROM events e
        WHERE e.event_type = 'SpendReserved' AND e.data->>'agentId' = $1 ORDER BY e.global_position`,
      [agentId],
    );
    const [withinHold, overHold] = holds;
    const charged = 10n * INPUT_NANOS_PER_TOKEN + 5000n * OUTPUT_NANOS_PER_TOKEN;
    const overage = charged - BigInt(overHold.held);
    expect(overage).toBeGreaterThan(0n);

    const entries = (await ledger()).items as { reservationId: string; amount: string; held: string; overage: string }[];
    const byReservation = new Map(entries.map((entry) => [entry.reservationId, entry]));
    expect(byReservation.get(overHold.reservation_id)).toMatchObject({ amount: formatAmount(charged), held: formatAmount(BigInt(overHold.held)), overage: formatAmount(overage) });
    expect(byReservation.get(withinHold.reservation_id)).toMatchObject({
      amount: formatAmount(10n * INPUT_NANOS_PER_TOKEN + 5n * OUTPUT_NANOS_PER_TOKEN), held: formatAmount(BigInt(withinHold.held)), overage: '0.00',
    });

    const query = await runCliCommand(LedgerQuery, [
      '--url', api.baseUrl, '--token', TEST_ADMIN_TOKEN, '--agent-id', agentId, '--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now',
    ]);
    expect(query.exitCode).toBe(0);
    const lines = query.stdout.split('\n');
    expect(lines[0]).toMatch(/^TIME\s+AMOUNT\s+OVERAGE\s+CURRENCY/);
    expect(lines.find((line) => line.includes(formatAmount(charged)))).toContain(` ${formatAmount(overage)} `);
    expect(lines.find((line) => line.includes(formatAmount(10n * INPUT_NANOS_PER_TOKEN + 5n * OUTPUT_NANOS_PER_TOKEN)))).toMatch(/ - +USD /);
    expect(query.stdout).toContain('OVERAGE: charged above the hold');

    const metrics = await api.deps.metrics.registry.metrics();
    expect(metrics).toContain('caracal_gateway_settlement_overages_total{currency="USD"} 1\n');
    const amount = /caracal_gateway_settlement_overage_amount_total\{currency="USD"\} (\S+)/.exec(metrics)?.[1];
    expect(Number(amount)).toBeCloseTo(Number(overage) / 1e9, 9);
  });
});
