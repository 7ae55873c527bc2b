import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { ProcessorHost } from '@caracal/processing';
import { SqlEventStore } from '@caracal/event-store';
import { startSealTimer } from '@caracal/runtime';
import { MERKLE_SEALER } from '@caracal/sealing';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { openHoldsInAllBudgets } from '@caracal/test-support/open-holds.js';
import { postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

describe.each(backends)('merkle sealing and verification API on %s', (backend) => {
  let api: AdminApiHarness;
  let mock: MockUpstream;
  let host: ProcessorHost;
  let sealTimer: { stop(): Promise<void> };

  const count = async (sql: string): Promise<number> => Number((await api.client.query<{ n: string }>(sql)).rows[0].n);
  const failureMetric = async (): Promise<string> => api.deps.metrics.registry.getSingleMetricAsString('caracal_merkle_verification_failures_total');

  beforeAll(async () => {
    mock = await startMockUpstream();
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    api = await startAdminApi(backend, {
      CARACAL_PRICEBOOK: pricebookWithResource(`${mock.url}/*`, '0.01'),
      CARACAL_MERKLE_SIGNING_KEY: pem,
      CARACAL_MERKLE_BATCH_LEAVES: '5',
      CARACAL_MERKLE_MAX_BATCH_AGE_MS: '0',
    });
    expect(api.deps.sealer).not.toBeNull();
    expect(api.deps.registry.names()).toContain(MERKLE_SEALER);
    host = new ProcessorHost({
      client: api.client, store: new SqlEventStore(api.client), registry: api.deps.registry, names: null,
      tuning: { pollMs: 100, leaseMs: 3000 },
    });
    host.start();
    sealTimer = startSealTimer({ client: api.client, sealer: api.deps.sealer!, status: () => host.status(), intervalMs: 100 });

    // Admin and proxy activity.
    const created = await api.call('POST', '/v1/agents', { name: 'sealed', owner: 'ops@example.com' });
    const agentId = created.body.agent.agentId;
    const key = created.body.apiKey.key;
    await api.call('POST', '/v1/policies', { agentId, limit: '0.05', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'test' });
    await api.call('POST', '/v1/allowlists', { agentId, pattern: `${mock.url}/*`, patternType: 'glob' });
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      fetch(`${api.baseUrl}/proxy`, { method: 'POST', headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${mock.url}/r/${i}` }, body: '{}' }).then((r) => r.status)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    await waitFor(async () => (await openHoldsInAllBudgets(api.client)) === 0, 'holds settled');
    await waitFor(async () => (await count(`SELECT count(*)::text AS n FROM events WHERE event_type = 'SpendDenied'`)) === 3, 'denials recorded');
    // Every event has a leaf, and the timer sealed the last (partial) batch.
    await waitFor(async () => {
      const events = await count('SELECT count(*)::text AS n FROM events');
      const sealed = await count('SELECT count(*)::text AS n FROM merkle_leaves WHERE batch_id IN (SELECT batch_id FROM merkle_heads)');
      return events > 0 && sealed === events;
    }, 'every event sealed');
  });
  afterAll(async () => {
    await sealTimer?.stop();
    await host?.stop();
    await api?.close();
    await mock?.close();
  });

  it('the sealer runs in the host: batches of at most N, the open one closed by the timer (T = 0)', async () => {
    const batches = await count('SELECT count(*)::text AS n FROM merkle_heads');
    const events = await count('SELECT count(*)::text AS n FROM events');
    expect(batches).toBeGreaterThanOrEqual(Math.ceil(events / 5));
    expect(await count('SELECT coalesce(max(last_index - first_index + 1), 0)::text AS n FROM merkle_heads')).toBeLessThanOrEqual(5);
    expect(host.status().find((status) => status.processor === MERKLE_SEALER)?.state).toBe('active');
  });

  it('GET /v1/merkle/verify-range over everything passes', async () => {
    const result = await api.call('GET', '/v1/merkle/verify-range?startTime=2000-01-01T00:00:00Z&endTime=now');
    expect(result.status).toBe(200);
    expect(result.body.ok).toBe(true);
    expect(result.body.failures).toEqual([]);
    expect(result.body.unsealed).toEqual([]);
    const events = await count('SELECT count(*)::text AS n FROM events');
    expect(result.body.totals).toMatchObject({ events, sealedEvents: events, unsealedEvents: 0, failures: 0, batchesFailed: 0 });
    expect(result.body.batches.length).toBeGreaterThan(1);
    expect(result.body.batches.every((batch: { ok: boolean }) => batch.ok)).toBe(true);
  });

  it('GET /v1/merkle/verify-range streams NDJSON progress then the report (Accept or ?progress=true); failures still counted', async () => {
    const plain = await api.call('GET', '/v1/merkle/verify-range?startTime=2000-01-01T00:00:00Z&endTime=now');
    const requests: { query: string; headers: Record<string, string> }[] = [
      { query: '', headers: { accept: 'application/x-ndjson' } },
      { query: '&progress=true', headers: {} },
    ];
    for (const request of requests) {
      const response = await fetch(`${api.baseUrl}/v1/merkle/verify-range?startTime=2000-01-01T00:00:00Z&endTime=now${request.query}`, {
        headers: { authorization: 'Bearer test-admin-token', ...request.headers },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const records = (await response.text()).trim().split('\n').map((line) => JSON.parse(line));
      const progress = records.slice(0, -1);
      const batches = plain.body.batches.length;
      expect(progress).toEqual(Array.from({ length: batches }, (_, i) => ({ type: 'progress', done: i + 1, total: batches })));
      expect(records[records.length - 1]).toEqual({ type: 'report', report: { ...plain.body, end: expect.any(String) } });
    }
    // A failure (a head's signature zeroed) is counted in streaming mode too.
    const before = await failureMetric();
    const original = (await api.call('GET', '/v1/merkle/batches?limit=1')).body.items[0].signature as string;
    await api.client.query('UPDATE merkle_heads SET signature = repeat($1, 128) WHERE batch_id = 1', ['0']);
    try {
      const response = await fetch(`${api.baseUrl}/v1/merkle/verify-range?startTime=2000-01-01T00:00:00Z&endTime=now&progress=true`, {
        headers: { authorization: 'Bearer test-admin-token' },
      });
      const records = (await response.text()).trim().split('\n').map((line) => JSON.parse(line));
      const report = records[records.length - 1].report;
      expect(report.ok).toBe(false);
      expect(report.batches[0].failures).toEqual([expect.objectContaining({ reason: 'bad_signature', batchId: '1' })]);
      expect(await failureMetric()).not.toBe(before);
      expect(await failureMetric()).toMatch(/caracal_merkle_verification_failures_total\{reason="bad_signature"\} [1-9]/);
    } finally {
      await api.client.query('UPDATE merkle_heads SET signature = $1 WHERE batch_id = 1', [original]);
    }
    expect((await api.call('GET', '/v1/merkle/verify-range?startTime=2000-01-01T00:00:00Z&endTime=now&progress=maybe')).status).toBe(400);
  });

  it('GET /v1/merkle/batches/{id}/verify and GET /v1/merkle/batches', async () => {
    const one = await api.call('GET', '/v1/merkle/batches/1/verify');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ batchId: '1', ok: true, failures: [] });
    const list = await api.call('GET', '/v1/merkle/batches?limit=2');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    expect(list.body.items[0]).toMatchObject({ batchId: '1', firstIndex: 0, lastIndex: one.body.leavesChecked - 1, treeSize: one.body.leavesChecked, previousHeadHash: null });
    expect(list.body.items[0].signature).toMatch(/^[0-9a-f]{128}$/);
    expect(list.body.items[1].previousHeadHash).toBe(list.body.items[0].headHash);
  });

  it('a failure answers 200 with ok false and is counted by reason; bad input is a 400', async () => {
    const missing = await api.call('GET', '/v1/merkle/batches/9999/verify');
    expect(missing.status).toBe(200);
    expect(missing.body.ok).toBe(false);
    expect(missing.body.failures[0]).toMatchObject({ reason: 'head_missing', batchId: '9999' });
    expect(await failureMetric()).toMatch(/caracal_merkle_verification_failures_total\{reason="head_missing"\} [1-9]/);
    expect((await api.call('GET', '/v1/merkle/batches/abc/verify')).status).toBe(400);
    expect((await api.call('GET', '/v1/merkle/verify-range?startTime=yesterday&endTime=now')).status).toBe(400);
    expect((await api.call('GET', '/v1/merkle/verify-range?endTime=now')).status).toBe(400);
  });
});
