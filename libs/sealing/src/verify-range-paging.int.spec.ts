// verifyRange reads in pages and lists only the first unsealed / uncovered events: the same
// verdict and exact totals whatever the page sizes, `truncated` when a list was cut (PGlite).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { openPgliteClient, runMigrations, SqlEventStore, START_OF_LOG, type SqlClient } from '@caracal/event-store';
import { generateSigningKeyPair } from '@caracal/merkle';
import { loadPublicKeys } from './merkle-heads.read.js';
import { createMerkleSealer } from './merkle-sealer.processor.js';
import { signerFromPrivateKey } from './signing-key.js';
import type { PublicKeys } from './verify-batch.js';
import { verifyRange } from './verify-range.js';

jest.setTimeout(120_000);

const EVERYTHING = { start: '2000-01-01T00:00:00Z', end: 'now' };
const TINY = { eventPageSize: 3, batchPageSize: 2, listLimit: 2 };

describe('verifyRange paging (PGlite)', () => {
  let client: SqlClient;
  let keys: PublicKeys;

  beforeAll(async () => {
    client = await openPgliteClient();
    await runMigrations(client);
    const store = new SqlEventStore(client);
    for (let i = 0; i < 23; i++) {
      await store.append(`paging-${i % 3}`, [{ eventId: randomUUID(), type: 'TestHappened', schemaVersion: 1, data: { i }, metadata: {} }], { expected: 'any' });
    }
    const events = await store.readAll({ after: START_OF_LOG, maxCount: 100 });
    const sealer = createMerkleSealer({ signer: signerFromPrivateKey(generateSigningKeyPair().privateKeyPem), batchLeaves: 4, maxBatchAgeMs: 600_000 });
    // 17 events sealed in batches 1..4 (16 leaves) + 1 leaf in the open batch; 6 events not indexed yet.
    await client.transaction((tx) => sealer.apply(tx, events.slice(0, 17)));
    keys = await loadPublicKeys(client);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('tiny pages give the same report as the defaults; progress counts every batch; the unsealed list is cut', async () => {
    const progress: [number, number][] = [];
    const paged = await verifyRange(client, EVERYTHING, keys, { ...TINY, onProgress: (done, total) => progress.push([done, total]) });
    const whole = await verifyRange(client, EVERYTHING, keys);
    expect(whole).toMatchObject({ ok: true, truncated: false, uncoveredEvents: 0 });
    expect(whole.totals).toEqual({ batches: 4, batchesOk: 4, batchesFailed: 0, missingBatches: 0, events: 23, sealedEvents: 16, unsealedEvents: 7, failures: 0 });
    expect(whole.unsealed.map((event) => event.merkleIndex)).toEqual([16, null, null, null, null, null, null]);
    expect(paged.totals).toEqual(whole.totals);
    expect(paged.batches).toEqual(whole.batches);
    expect(paged).toMatchObject({ ok: true, truncated: true });
    expect(paged.unsealed).toEqual(whole.unsealed.slice(0, 2));
    expect(progress).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
  });

  it('a deleted batch in a paged range: batch_missing, uncovered events counted in full and listed up to the limit', async () => {
    const { rows } = await client.query<{ event_id: string }>('SELECT event_id::text AS event_id FROM merkle_leaves WHERE batch_id = 2 ORDER BY merkle_index');
    await client.query('DELETE FROM merkle_leaves WHERE batch_id = 2');
    await client.query('DELETE FROM merkle_heads WHERE batch_id = 2');
    const paged = await verifyRange(client, EVERYTHING, keys, TINY);
    expect(paged.ok).toBe(false);
    expect(paged.truncated).toBe(true);
    expect(paged.uncoveredEvents).toBe(4);
    expect(paged.failures.filter((f) => f.reason === 'batch_missing').map((f) => f.batchId)).toEqual(['2']);
    expect(paged.failures.filter((f) => f.reason === 'uncovered_event').map((f) => f.eventId)).toEqual(rows.slice(0, 2).map((row) => row.event_id));
    // 1 missing batch + 4 uncovered events + batch 3's head_missing (its previous head).
    expect(paged.totals).toMatchObject({ batches: 3, missingBatches: 1, batchesFailed: 1, failures: 6 });
    const whole = await verifyRange(client, EVERYTHING, keys);
    expect(whole.totals).toEqual(paged.totals);
    expect(whole.failures.filter((f) => f.reason === 'uncovered_event').map((f) => f.eventId)).toEqual(rows.map((row) => row.event_id));
  });
});
