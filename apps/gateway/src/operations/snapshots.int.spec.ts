// The runbook's "Create Ledger Snapshot" and the restore step of "Event Replay Recovery", through
// the admin API on both profiles: snapshot, more traffic, stop the processors, reset, restore,
// start them; the read models equal what they were before the reset, row for row.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { InProcessProcessors, sealingTestEnv } from '@caracal/test-support/in-process-processors.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

describe.each(backends)('read-model snapshots through the admin API on %s', (backend) => {
  let api: AdminApiHarness;
  let mock: MockUpstream;
  let processors: InProcessProcessors;
  let key = '';

  const count = async (sql: string): Promise<number> => Number((await api.client.query<{ n: string }>(sql)).rows[0].n);
  const start = (): void => processors.start();
  const stop = (): Promise<void> => processors.stop();
  const caughtUp = (): Promise<void> => processors.caughtUp();
  const proxied = async (n: number, from: number): Promise<void> => {
    for (let i = from; i < from + n; i++) {
      const response = await fetch(`${api.baseUrl}/proxy`, { method: 'POST', headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${mock.url}/r/${i}` }, body: '{}' });
      expect(response.status).toBe(200);
    }
  };
  const readModels = async () => ({
    ledger: (await api.client.query('SELECT * FROM ledger_entries ORDER BY entry_id')).rows,
    denials: (await api.client.query('SELECT * FROM ledger_denials ORDER BY event_id')).rows,
    charges: (await api.client.query('SELECT * FROM spending_charges ORDER BY reservation_id')).rows,
    spending: (await api.client.query('SELECT * FROM spending_buckets ORDER BY agent_id, currency, bucket_start')).rows,
  });

  beforeAll(async () => {
    mock = await startMockUpstream();
    api = await startAdminApi(backend, { CARACAL_PRICEBOOK: pricebookWithResource(`${mock.url}/*`, '0.01'), ...sealingTestEnv() });
    processors = new InProcessProcessors(api);
    start();
    const created = await api.call('POST', '/v1/agents', { name: 'snapshot-agent', owner: 'ops@example.com' });
    const agentId = created.body.agent.agentId;
    key = created.body.apiKey.key;
    await api.call('POST', '/v1/policies', { agentId, limit: '1.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'test' });
    await api.call('POST', '/v1/allowlists', { agentId, pattern: `${mock.url}/*`, patternType: 'glob' });
  });
  afterAll(async () => {
    await stop();
    await api?.close();
    await mock?.close();
  });

  it('create, list, reset, restore, catch up: the read models equal the ones before the reset; a second restore is refused', async () => {
    await proxied(4, 0);
    await caughtUp();
    const created = await api.call('POST', '/v1/snapshots', { tag: 'before-upgrade' });
    expect(created.status).toBe(201);
    const snapshot = created.body;
    expect(snapshot.tag).toBe('before-upgrade');
    expect(snapshot.manifest.tables).toEqual(expect.arrayContaining([{ table: 'ledger_entries', rows: 4 }]));
    expect(snapshot.manifest.tables.map((t: { table: string }) => t.table).filter((t: string) => t.startsWith('merkle'))).toEqual([]);
    expect(snapshot.manifest.merkleHead).not.toBeNull();
    expect(Number(snapshot.manifest.eventsCovered)).toBe(await count('SELECT count(*)::text AS n FROM events'));

    const listed = await api.call('GET', '/v1/snapshots');
    expect(listed.body.items.map((s: { snapshotId: string }) => s.snapshotId)).toEqual([snapshot.snapshotId]);
    expect(listed.body.keep).toBe(10);

    await proxied(3, 4); // after the snapshot: the processors replay these from the log
    await caughtUp();
    const before = await readModels();
    expect(before.ledger).toHaveLength(7);

    await stop();
    expect((await api.call('POST', '/v1/ops/reset', { confirm: true })).status).toBe(200);
    const restored = await api.call('POST', `/v1/snapshots/${snapshot.snapshotId}/restore`, {});
    expect(restored.status).toBe(200);
    expect(restored.body.tables).toEqual(expect.arrayContaining([{ table: 'ledger_entries', rows: 4 }]));
    expect(await count('SELECT count(*)::text AS n FROM ledger_entries')).toBe(4);

    const again = await api.call('POST', `/v1/snapshots/${snapshot.snapshotId}/restore`, {});
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('read_models_not_empty');
    expect(again.body.message).toContain('db reset --confirm');

    // caracal replay start --from-snapshot <id>: recorded now, run by the processor host once it starts.
    const both = await api.call('POST', '/v1/replays', { fromSnapshotId: snapshot.snapshotId, fromStart: true });
    expect(both.status).toBe(400);
    expect(both.body.details).toEqual([expect.objectContaining({ field: 'fromSnapshotId' })]);
    expect((await api.call('POST', '/v1/replays', { fromSnapshotId: snapshot.snapshotId, processor: 'no-such-group' })).status).toBe(404);
    const fromStart = await api.call('POST', '/v1/replays', { fromStart: true });
    expect(fromStart.status).toBe(409);
    expect(fromStart.body.error).toBe('replay_not_ready');
    const replay = await api.call('POST', '/v1/replays', { fromSnapshotId: snapshot.snapshotId });
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ state: 'waiting', fromSnapshotId: snapshot.snapshotId, eventsProcessed: '0' });
    expect(Number(replay.body.eventsTotal)).toBeGreaterThan(0);
    expect((await api.call('POST', '/v1/replays', { fromSnapshotId: snapshot.snapshotId })).body.error).toBe('replay_job_active');

    start();
    await waitFor(async () => (await api.call('GET', `/v1/replays/${replay.body.jobId}`)).body.state === 'completed', 'the replay job to complete');
    const done = (await api.call('GET', '/v1/replays')).body.items[0];
    expect(done).toMatchObject({ jobId: replay.body.jobId, state: 'completed', owner: 'test-host', eventsProcessed: replay.body.eventsTotal });
    await caughtUp();
    expect(await readModels()).toEqual(before);
  });

  it('answers 404 for an unknown snapshot, 400 for an id that is not a UUID or a tag with control characters, 422 for altered bytes (and verify reports them), 409 while processors run', async () => {
    expect((await api.call('POST', '/v1/snapshots/7d1e0c4b-8a2f-4e3d-b6c1-9f0a1b2c3d4e/restore', {})).status).toBe(404);
    const notUuid = await api.call('POST', '/v1/snapshots/latest/restore', {});
    expect(notUuid.status).toBe(400);
    expect(notUuid.body.details).toEqual([expect.objectContaining({ field: 'snapshotId' })]);
    const badTag = await api.call('POST', '/v1/snapshots', { tag: 'a\u0007b' });
    expect(badTag.status).toBe(400);
    expect(badTag.body.details).toEqual([expect.objectContaining({ field: 'tag' })]);

    const snapshot = (await api.call('POST', '/v1/snapshots', {})).body;
    expect(snapshot.checksumState).toBe('verified');
    const running = await api.call('POST', `/v1/snapshots/${snapshot.snapshotId}/restore`, {});
    expect(running.status).toBe(409);
    expect(running.body.error).toBe('processors_running');

    await api.client.query(`UPDATE read_model_snapshot_chunks SET data = overlay(data placing '\\x00'::bytea from 30 for 1) WHERE snapshot_id = $1`, [snapshot.snapshotId]);
    const corrupt = await api.call('POST', `/v1/snapshots/${snapshot.snapshotId}/restore`, {});
    expect(corrupt.status).toBe(422);
    expect(corrupt.body.error).toBe('snapshot_corrupt');
    const verified = await api.call('POST', `/v1/snapshots/${snapshot.snapshotId}/verify`, {});
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ ok: false, snapshot: { snapshotId: snapshot.snapshotId, checksumState: 'failed' } });
    const listed = (await api.call('GET', '/v1/snapshots')).body.items.find((s: { snapshotId: string }) => s.snapshotId === snapshot.snapshotId);
    expect(listed.checksumState).toBe('failed');

    const deleted = await api.call('DELETE', `/v1/snapshots/${snapshot.snapshotId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.snapshotId).toBe(snapshot.snapshotId);
    expect((await api.call('DELETE', `/v1/snapshots/${snapshot.snapshotId}`)).status).toBe(404);
  });
});
