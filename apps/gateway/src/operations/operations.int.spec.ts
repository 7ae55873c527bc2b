import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { budgetStreamId } from '@caracal/domain';
import { ProcessorHost } from '@caracal/processing';
import { SqlEventStore } from '@caracal/event-store';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { openHoldsInAllBudgets } from '@caracal/test-support/open-holds.js';
import { postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

describe.each(backends)('ledger and operations API on %s', (backend) => {
  let api: AdminApiHarness;
  let mock: MockUpstream;
  let host: ProcessorHost;
  let agentId: string;
  let key: string;

  const startProcessors = (): ProcessorHost => {
    const started = new ProcessorHost({
      client: api.client, store: new SqlEventStore(api.client), registry: api.deps.registry, names: null,
      tuning: { pollMs: 100, leaseMs: 3000, retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 } },
    });
    started.start();
    return started;
  };
  const caughtUp = async (): Promise<boolean> => {
    const lag = await api.call('GET', '/v1/consumer-lag');
    return lag.status === 200 && lag.body.items.every((group: { eventsBehind: number }) => group.eventsBehind === 0);
  };
  const ledgerRows = async () => (await api.client.query('SELECT * FROM ledger_entries ORDER BY entry_id')).rows;
  const spendingRows = async () => (await api.client.query('SELECT * FROM spending_buckets ORDER BY agent_id, currency, bucket_start')).rows;

  beforeAll(async () => {
    mock = await startMockUpstream();
    api = await startAdminApi(backend, { CARACAL_PRICEBOOK: pricebookWithResource(`${mock.url}/*`, '0.01') });
    host = startProcessors();
    const created = await api.call('POST', '/v1/agents', { name: 'ledgered', owner: 'ops@example.com' });
    agentId = created.body.agent.agentId;
    key = created.body.apiKey.key;
    await api.call('POST', '/v1/policies', { agentId, limit: '0.50', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'test' });
    await api.call('POST', '/v1/allowlists', { agentId, pattern: `${mock.url}/*`, patternType: 'glob' });
    // The gateway's burst: 60 concurrent requests at 0.01 against a 0.50 budget.
    const statuses = await Promise.all(Array.from({ length: 60 }, (_, i) =>
      fetch(`${api.baseUrl}/proxy`, { method: 'POST', headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${mock.url}/r/${i}` }, body: '{}' }).then((r) => r.status)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(50);
    await waitFor(async () => (await openHoldsInAllBudgets(api.client)) === 0, 'holds settled');
    // The two refusals are recorded in a batch off the request path.
    await waitFor(async () => Number((await api.client.query<{ n: string }>(`SELECT count(*)::text AS n FROM events WHERE event_type = 'SpendDenied'`)).rows[0].n) === 10, 'denials recorded');
    await waitFor(caughtUp, 'processors caught up');
  });
  afterAll(async () => {
    await host?.stop();
    await api?.close();
    await mock?.close();
  });

  it('lists the ledger by time range with exact totals, and usage per policy window', async () => {
    const entries = await api.call('GET', `/v1/ledger/entries?agentId=${agentId}&startTime=2024-01-01T00:00:00Z&endTime=now`);
    expect(entries.status).toBe(200);
    expect(entries.body.items).toHaveLength(50); // 0.50 budget at 0.01 a request
    expect(entries.body.items.every((e: { amount: string; kind: string }) => e.amount === '0.01' && e.kind === 'settled')).toBe(true);
    expect(entries.body.totals).toEqual([{ currency: 'USD', amount: '0.50', entries: 50 }]);
    const paged = await api.call('GET', `/v1/ledger/entries?agentId=${agentId}&limit=2`);
    expect(paged.body.items).toHaveLength(2);
    expect(paged.body.totals).toEqual([{ currency: 'USD', amount: '0.50', entries: 50 }]);
    const empty = await api.call('GET', `/v1/ledger/entries?agentId=${agentId}&startTime=2024-01-01T00:00:00Z&endTime=2024-01-31T23:59:59Z`);
    expect(empty.body).toMatchObject({ items: [], totals: [] });

    const usage = await api.call('GET', `/v1/ledger/usage?agentId=${agentId}&timeWindow=daily`);
    expect(usage.body.items).toEqual([expect.objectContaining({ limit: '0.50', spent: '0.50', held: '0.00', remaining: '0.00', timeWindow: 'daily' })]);
    expect(usage.body.items[0].windowStart).toMatch(/T00:00:00.000Z$/);
    expect((await api.call('GET', `/v1/ledger/entries?agentId=${agentId}&endTime=yesterday`)).body.details[0].field).toBe('endTime');
  });

  it('reports health and lag, and resets read models (never events) that then rebuild identically', async () => {
    const health = await api.call('GET', '/v1/ops/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect(Object.keys(health.body.checks.processors).sort()).toEqual(['ledger-writer-group', 'metrics-aggregator-group']);
    const lag = await api.call('GET', '/v1/consumer-lag?consumerGroup=ledger-writer-group');
    expect(lag.body.items).toEqual([expect.objectContaining({ consumerGroup: 'ledger-writer-group', eventsBehind: 0, bus: 'event-store' })]);
    expect((await api.call('GET', '/v1/consumer-lag?consumerGroup=nope')).status).toBe(404);

    expect((await api.call('POST', '/v1/ops/reset', {})).status).toBe(400);
    const ledgerBefore = await ledgerRows();
    const spendingBefore = await spendingRows();
    const eventsBefore = (await api.client.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0].n;
    await host.stop();
    const reset = await api.call('POST', '/v1/ops/reset', { confirm: true });
    expect(reset.status).toBe(200);
    expect(reset.body.tables).toEqual(expect.arrayContaining(['ledger_entries', 'spending_buckets']));
    expect(await ledgerRows()).toEqual([]);
    expect((await api.client.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0].n).toBe(eventsBefore);

    host = startProcessors();
    await waitFor(async () => (await caughtUp()) && (await ledgerRows()).length === ledgerBefore.length, 'rebuild after reset');
    expect(await ledgerRows()).toEqual(ledgerBefore);
    expect(await spendingRows()).toEqual(spendingBefore);
  });

  it('parks an event a projection cannot apply, keeps projecting, and projects it once after the fix', async () => {
    const store = new SqlEventStore(api.client);
    const reservationId = randomUUID();
    const stream = budgetStreamId(randomUUID());
    const now = new Date().toISOString();
    // A corrupt read model: an entry for the reservation, written by an event that is not in the
    // log. The real charge then conflicts with it, and the ledger writer refuses to pick a winner.
    const bogus = randomUUID();
    await api.client.query(
      `INSERT INTO ledger_entries (entry_id, event_id, global_position, agent_id, agent_path, reservation_id, resource, model,
                                   usage, amount_nanos, held_nanos, overage_nanos, currency, pricebook_version, kind, occurred_at, recorded_at)
       VALUES ($1, $1, 0, $2, $3, $4, 'https://api.example.com/x', NULL, NULL, 1, 1, 0, 'USD', NULL, 'expired', now(), now())`,
      [bogus, agentId, JSON.stringify([agentId]), reservationId],
    );
    const poison = randomUUID();
    await store.append(stream, [{ eventId: poison, type: 'SpendSettled', schemaVersion: 1, metadata: {}, data: {
      reservationId, agentId, agentPath: [agentId], resource: 'https://api.example.com/x', model: null, currency: 'USD', reservedAt: now,
      amountNanos: '1000', heldNanos: '1000', overageNanos: '0', usage: {}, pricebookVersion: 'test', occurredAt: now,
    } }], { expected: 'any' });
    await waitFor(async () => (await api.call('GET', '/v1/dlq')).body.size > 0, 'event parked');
    const listed = await api.call('GET', '/v1/dlq?processor=ledger-writer-group');
    expect(listed.body.items).toEqual([expect.objectContaining({ eventId: poison, processor: 'ledger-writer-group', status: 'parked' })]);
    expect((await api.call('GET', `/v1/dlq/${poison}`)).body.items[0].error).toMatch(new RegExp(`already charged by event ${bogus}`));
    const stillFailing = await api.call('POST', `/v1/dlq/${poison}/retry`, {});
    expect(stillFailing.body.items.map((i: { outcome: string }) => i.outcome)).toContain('failed');

    // Later events are projected meanwhile; the fix: the corrupt row is removed.
    await store.append(stream, [{ eventId: randomUUID(), type: 'SpendDenied', schemaVersion: 1, metadata: {}, data: {
      requestId: randomUUID(), agentId, reason: 'resource_not_allowed', policyId: null, resource: 'https://api.example.com/y', occurredAt: now,
    } }], { expected: 'any' });
    await waitFor(caughtUp, 'later events projected');
    await api.client.query('DELETE FROM ledger_entries WHERE event_id = $1', [bogus]);
    const retried = await api.call('POST', `/v1/dlq/${poison}/retry`, {});
    expect(retried.body.items.every((i: { outcome: string }) => i.outcome === 'projected')).toBe(true);
    const { rows } = await api.client.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger_entries WHERE event_id = $1', [poison]);
    expect(rows[0].n).toBe('1');
    expect((await api.call('POST', `/v1/dlq/${poison}/retry`, {})).status).toBe(404);
    const metrics = await api.deps.metrics.registry.metrics();
    expect(metrics).toMatch(/caracal_dlq_size \d+/);
    expect(metrics).toMatch(/caracal_kafka_consumer_lag\{consumer_group="ledger-writer-group",partition="log"\} \d+/);
  });
});
