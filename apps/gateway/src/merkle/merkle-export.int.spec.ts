import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessorHost } from '@caracal/processing';
import { SqlEventStore } from '@caracal/event-store';
import { startSealTimer } from '@caracal/runtime';
import { verifyExportBundle, writeExportBundle, type ExportRecord } from '@caracal/sealing';
import { startAdminApi, TEST_ADMIN_TOKEN, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

describe.each(backends)('GET /v1/merkle/export on %s', (backend) => {
  let api: AdminApiHarness;
  let host: ProcessorHost;
  let sealTimer: { stop(): Promise<void> };
  let root: string;

  const count = async (sql: string): Promise<number> => Number((await api.client.query<{ n: string }>(sql)).rows[0].n);
  const exportAnswer = (query: string) => fetch(`${api.baseUrl}/v1/merkle/export?${query}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'caracal-export-api-'));
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    api = await startAdminApi(backend, { CARACAL_MERKLE_SIGNING_KEY: pem, CARACAL_MERKLE_BATCH_LEAVES: '2', CARACAL_MERKLE_MAX_BATCH_AGE_MS: '0' });
    host = new ProcessorHost({
      client: api.client, store: new SqlEventStore(api.client), registry: api.deps.registry, names: null, tuning: { pollMs: 100, leaseMs: 3000 },
    });
    host.start();
    sealTimer = startSealTimer({ client: api.client, sealer: api.deps.sealer!, status: () => host.status(), intervalMs: 100 });
    for (let i = 0; i < 5; i++) {
      expect((await api.call('POST', '/v1/agents', { name: `export-${i}`, description: 'export test', owner: 'ops@example.com' })).status).toBe(201);
    }
    await waitFor(async () => {
      const events = await count('SELECT count(*)::text AS n FROM events');
      return events >= 5 && (await count('SELECT count(*)::text AS n FROM merkle_leaves WHERE batch_id IN (SELECT batch_id FROM merkle_heads)')) === events;
    }, 'every event sealed');
  });

  afterAll(async () => {
    await sealTimer?.stop();
    await host?.stop();
    await api?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('streams the bundle as NDJSON records ending with `end`, which write a bundle that verifies offline', async () => {
    const response = await exportAnswer('startTime=2000-01-01T00:00:00Z&endTime=now');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const records = (await response.text()).trim().split('\n').map((line) => JSON.parse(line) as ExportRecord);
    const events = await count('SELECT count(*)::text AS n FROM events');
    const heads = await count('SELECT count(*)::text AS n FROM merkle_heads');
    expect(records.filter((record) => record.kind === 'event')).toHaveLength(events);
    expect(records.filter((record) => record.kind === 'head')).toHaveLength(heads);
    expect(records[records.length - 1]).toMatchObject({ kind: 'end', formatVersion: 2, counts: { batches: heads, events, eventsInRange: events, unsealedEvents: 0, publicKeys: 1 } });

    async function* replay(): AsyncGenerator<ExportRecord> {
      yield* records;
    }
    const dir = join(root, 'bundle');
    await writeExportBundle(replay(), dir);
    const result = await verifyExportBundle(dir);
    expect(result.failures).toEqual([]);
    expect(result).toMatchObject({ ok: true, totals: { batches: heads, batchesFailed: 0, events } });
  });

  it('answers 400 naming the field for bad times', async () => {
    const cases: Array<[string, string]> = [
      ['endTime=now', 'startTime'],
      ['startTime=yesterday&endTime=now', 'startTime'],
      ['startTime=now&endTime=now', 'startTime'],
      ['startTime=2024-01-01T00:00:00Z', 'endTime'],
      ['startTime=2024-01-02T00:00:00Z&endTime=2024-01-01T00:00:00Z', 'endTime'],
    ];
    for (const [query, field] of cases) {
      const response = await exportAnswer(query);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(((await response.json()) as { details: unknown }).details).toEqual([expect.objectContaining({ field })]);
    }
  });
});
