// Batches whose global-position spans interleave (the reader hands events over in transaction
// order, not position order): an event inside one batch's span with its leaf in the next batch is
// no intruder; an event inside a span with no leaf at all is, reported by verifyRange and
// verifyBatch alike (PGlite).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { openPgliteClient, runMigrations, SqlEventStore, START_OF_LOG, type SqlClient } from '@caracal/event-store';
import { generateSigningKeyPair } from '@caracal/merkle';
import { loadPublicKeys } from './merkle-heads.read.js';
import { createMerkleSealer } from './merkle-sealer.processor.js';
import { signerFromPrivateKey } from './signing-key.js';
import { verifyBatch } from './verify-batch.js';
import { verifyRange } from './verify-range.js';

jest.setTimeout(120_000);

const EVERYTHING = { start: '2000-01-01T00:00:00Z', end: 'now' };

describe('verification of batches with interleaved spans (PGlite)', () => {
  let client: SqlClient;

  beforeAll(async () => {
    client = await openPgliteClient();
    await runMigrations(client);
    const store = new SqlEventStore(client);
    for (let i = 0; i < 6; i++) {
      await store.append('interleaved', [{ eventId: randomUUID(), type: 'TestHappened', schemaVersion: 1, data: { i }, metadata: {} }], { expected: 'any' });
    }
    const events = await store.readAll({ after: START_OF_LOG, maxCount: 100 });
    const sealer = createMerkleSealer({ signer: signerFromPrivateKey(generateSigningKeyPair().privateKeyPem), batchLeaves: 3, maxBatchAgeMs: 600_000 });
    // Batch 1: positions 1, 3, 5 (span 1..5); batch 2: 2, 4, 6 (span 2..6).
    await client.transaction((tx) => sealer.apply(tx, [events[0], events[2], events[4], events[1], events[3], events[5]]));
  });
  afterAll(async () => {
    await client?.close();
  });

  it('finds no intruder where the other batch holds the event, and one where no batch does', async () => {
    const keys = await loadPublicKeys(client);
    const { rows: spans } = await client.query<{ batch_id: string; positions: string }>(
      `SELECT batch_id::text AS batch_id, string_agg(global_position::text, ',' ORDER BY global_position) AS positions FROM merkle_leaves GROUP BY 1 ORDER BY 1`,
    );
    expect(spans).toEqual([{ batch_id: '1', positions: '1,3,5' }, { batch_id: '2', positions: '2,4,6' }]);
    expect(await verifyRange(client, EVERYTHING, keys)).toMatchObject({ ok: true, totals: { batches: 2, batchesOk: 2, failures: 0 } });
    expect(await verifyBatch(client, 1, keys)).toMatchObject({ ok: true, failures: [] });

    // Position 4's leaf deleted: the event lies in both spans without a leaf.
    const { rows: [{ event_id: orphan }] } = await client.query<{ event_id: string }>('DELETE FROM merkle_leaves WHERE global_position = 4 RETURNING event_id::text AS event_id');
    const range = await verifyRange(client, EVERYTHING, keys);
    expect(range.ok).toBe(false);
    const intruders = range.batches.map((batch) => batch.failures.filter((f) => f.reason === 'unsealed_event_in_batch_range').map((f) => [batch.batchId, f.eventId]));
    expect(intruders).toEqual([[['1', orphan]], [['2', orphan]]]);
    const one = await verifyBatch(client, 1, keys);
    expect(one.failures).toEqual([expect.objectContaining({ reason: 'unsealed_event_in_batch_range', batchId: '1', eventId: orphan, globalPosition: '4' })]);
  });
});
