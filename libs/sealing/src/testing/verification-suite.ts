// Tamper detection by verifyBatch / verifyRange on every backend (PGlite and PostgreSQL). Test code only.
// Each case seals a fresh log, tampers with it directly in the database (user triggers of `events`
// disabled, as a superuser could), and checks that the verifier detects and locates it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { SqlClient, SqlEventStore } from '@caracal/event-store';
import { START_OF_LOG } from '@caracal/event-store';
import {
  generateSigningKeyPair, headHash, leafHashOfText, signTreeHead, storedLeafHashHex, storedLeafText, type StoredEventLeaf,
} from '@caracal/merkle';
import { waitFor } from '@caracal/test-support/wait-for.js';
import { loadHead, loadPublicKeys, RECORDED_AT_TEXT_SQL, recordedAtTextSql, type StoredHead } from '../merkle-heads.read.js';
import { createMerkleSealer } from '../merkle-sealer.processor.js';
import { appendTestEvents, emptyLog, tamper } from './test-log.js';
import { signerFromPrivateKey } from '../signing-key.js';
import { storedLeafTextSql } from '../stored-leaf.sql.js';
import type { VerificationFailure } from '../verification-report.js';
import { verifyBatch, type PublicKeys } from '../verify-batch.js';
import { verifyRange } from '../verify-range.js';

export interface VerificationSuiteSetup {
  open(): Promise<{ client: SqlClient; store: SqlEventStore }>;
  close(): Promise<void>;
}

const SETUP_TIMEOUT_MS = 120_000;
const BATCH_LEAVES = 8;
const EVENTS = 30; // batches 1..3 sealed (indexes 0..23), 6 leaves in the open batch
const EVERYTHING = { start: '2000-01-01T00:00:00Z', end: 'now' };

interface Leaf {
  merkleIndex: number;
  globalPosition: string;
  eventId: string;
}

function reasons(failures: readonly VerificationFailure<string>[]): string[] {
  return [...new Set(failures.map((failure) => failure.reason))].sort();
}

export function describeVerification(backend: string, setup: VerificationSuiteSetup): void {
  describe(`merkle verification on ${backend}`, () => {
    let client: SqlClient;
    let store: SqlEventStore;
    let keys: PublicKeys;
    let leaves: Leaf[];

    beforeAll(async () => {
      ({ client, store } = await setup.open());
    }, SETUP_TIMEOUT_MS);

    afterAll(async () => {
      await setup.close();
    });

    /** A fresh log: EVENTS events with holes in global_position, sealed in batches of BATCH_LEAVES. */
    beforeEach(async () => {
      await emptyLog(client);
      const all = await appendTestEvents(client, store, EVENTS, 'verification-test');
      const sealer = createMerkleSealer({ signer: signerFromPrivateKey(generateSigningKeyPair().privateKeyPem), batchLeaves: BATCH_LEAVES, maxBatchAgeMs: 600_000 });
      await client.transaction((tx) => sealer.apply(tx, all));
      keys = await loadPublicKeys(client);
      const { rows } = await client.query<{ merkle_index: string; global_position: string; event_id: string }>(
        `SELECT merkle_index::text AS merkle_index, global_position::text AS global_position, event_id::text AS event_id
           FROM merkle_leaves l ORDER BY l.merkle_index`,
      );
      leaves = rows.map((row) => ({ merkleIndex: Number(row.merkle_index), globalPosition: row.global_position, eventId: row.event_id }));
    }, SETUP_TIMEOUT_MS);

    async function batchOks(): Promise<boolean[]> {
      return Promise.all([1, 2, 3].map(async (id) => (await verifyBatch(client, id, keys)).ok));
    }

    it('passes an untampered log: every batch, and the whole range with the open batch as unsealed', async () => {
      for (const id of [1, 2, 3]) {
        await expect(verifyBatch(client, id, keys)).resolves.toEqual({ batchId: String(id), ok: true, leavesChecked: BATCH_LEAVES, failures: [] });
      }
      await expect(verifyBatch(client, 1)).resolves.toMatchObject({ ok: true }); // keys from merkle_keys
      const progress: number[] = [];
      const range = await verifyRange(client, EVERYTHING, keys, { onProgress: (done) => progress.push(done) });
      expect(range).toMatchObject({ ok: true, failures: [] });
      expect(range.totals).toEqual({ batches: 3, batchesOk: 3, batchesFailed: 0, missingBatches: 0, events: 30, sealedEvents: 24, unsealedEvents: 6, failures: 0 });
      expect(range.unsealed.map((event) => event.merkleIndex)).toEqual([24, 25, 26, 27, 28, 29]);
      expect(progress).toEqual([1, 2, 3]);
      // A range before every event: nothing to verify, nothing wrong.
      await expect(verifyRange(client, { start: '2001-01-01T00:00:00Z', end: '2001-01-02T00:00:00Z' }, keys)).resolves.toMatchObject({ ok: true, batches: [], unsealed: [] });
      // A range by event time selects the batches holding its events.
      const { rows } = await client.query<{ t: string }>(`SELECT ${RECORDED_AT_TEXT_SQL} AS t FROM events WHERE global_position = $1`, [leaves[12].globalPosition]);
      const narrow = await verifyRange(client, { start: rows[0].t, end: rows[0].t }, keys);
      expect(narrow.ok).toBe(true);
      expect(narrow.batches.map((batch) => batch.batchId)).toContain('2');
    });

    it('hashes leaves framed in Node from the columns, byte for byte the database\'s frame: quotes, control characters, non-ASCII', async () => {
      // verify-range frames each leaf from the event's columns (storedLeafHashHex); verify-batch
      // has the database frame it (storedLeafTextSql). Both must give the bytes the sealer hashed.
      await emptyLog(client);
      const streams = ['odd "stream" \\ id', 'ctl \u0001\u001f\b\f\n\r\t \u007f end', 'ünï 😀 \u2028\u2029 \ufffd \ue000 \u{10ffff}', 'plain-stream'];
      const types = ['Type "quoted" \\ back', 'Ctl\u0002\tType\u001e', 'Ünïcödé😀Type\u2028', 'TestHappened'];
      for (const [s, streamId] of streams.entries()) {
        await store.append(streamId, Array.from({ length: 4 }, (_, k) => ({
          eventId: randomUUID(), type: types[(s + k) % types.length], schemaVersion: k * 7,
          data: { note: `a"b\\c\u0001\u001f 😀 \u2028 é ${k}`, keys: { '\u007f': 1, é: 2, '😀': 3, '\ufffd': 4, '"': 5 } },
          metadata: { actor: streamId, '\u0001': 'ctl' },
        })), { expected: 'any' });
      }
      let all: Awaited<ReturnType<SqlEventStore['readAll']>> = [];
      await waitFor(async () => (all = await store.readAll({ after: START_OF_LOG, maxCount: 100 })).length === 16, 'readAll to return every event');
      const sealer = createMerkleSealer({ signer: signerFromPrivateKey(generateSigningKeyPair().privateKeyPem), batchLeaves: BATCH_LEAVES, maxBatchAgeMs: 600_000 });
      await client.transaction((tx) => sealer.apply(tx, all));
      const tricky = await loadPublicKeys(client);

      const { rows } = await client.query<Omit<StoredEventLeaf, 'merkleIndex'> & { merkleIndex: string; framed: string; stored: string }>(
        `SELECT l.merkle_index::text AS "merkleIndex", e.global_position::text AS "globalPosition", e.stream_id AS "streamId",
                e.stream_position::text AS "streamPosition", e.event_id::text AS "eventId", e.event_type AS "eventType",
                e.schema_version AS "schemaVersion", e.data_text AS "dataText", e.metadata_text AS "metadataText",
                ${recordedAtTextSql('e.recorded_at')} AS "recordedAt",
                ${storedLeafTextSql('l', 'e')} AS framed, encode(l.leaf_hash, 'hex') AS stored
           FROM events e JOIN merkle_leaves l ON l.global_position = e.global_position ORDER BY l.merkle_index`,
      );
      expect(rows).toHaveLength(16);
      expect(new Set(rows.map((row) => row.streamId))).toEqual(new Set(streams));
      for (const row of rows) {
        expect(storedLeafText(row)).toBe(row.framed);
        expect(storedLeafHashHex(row)).toBe(row.stored);
        expect(leafHashOfText(row.framed).toString('hex')).toBe(row.stored);
      }
      const range = await verifyRange(client, EVERYTHING, tricky);
      expect(range).toMatchObject({ ok: true, failures: [] });
      expect(range.totals).toMatchObject({ batches: 2, batchesOk: 2, sealedEvents: 16 });

      // One control character of a sealed stream id changed: both framings see it.
      const target = rows.find((row) => row.streamId === streams[1])!;
      await tamper(client, async (tx) => {
        await tx.query(`UPDATE events SET stream_id = replace(stream_id, E'\\x01', E'\\x02') WHERE global_position = $1`, [target.globalPosition]);
      });
      const changed = await verifyRange(client, EVERYTHING, tricky);
      expect(changed.ok).toBe(false);
      expect(changed.batches.flatMap((batch) => batch.failures).find((f) => f.reason === 'leaf_mismatch')).toMatchObject({
        merkleIndex: Number(target.merkleIndex), eventId: target.eventId,
      });
      const batch = await verifyBatch(client, Number(target.merkleIndex) < BATCH_LEAVES ? 1 : 2, tricky);
      expect(batch.failures.find((f) => f.reason === 'leaf_mismatch')).toMatchObject({ merkleIndex: Number(target.merkleIndex), eventId: target.eventId });
    });

    it('detects one changed byte of an event\'s data: leaf_mismatch at its merkle index and event, root_mismatch', async () => {
      const target = leaves[10];
      await tamper(client, async (tx) => {
        await tx.query(`UPDATE events SET data_text = replace(data_text, '"i":10', '"i":11') WHERE global_position = $1`, [target.globalPosition]); // 10 → 11
      });
      const batch = await verifyBatch(client, 2, keys);
      expect(batch.ok).toBe(false);
      expect(reasons(batch.failures)).toEqual(['leaf_mismatch', 'root_mismatch']);
      expect(batch.failures.find((f) => f.reason === 'leaf_mismatch')).toMatchObject({
        batchId: '2', merkleIndex: 10, eventId: target.eventId, globalPosition: target.globalPosition,
      });
      expect(await batchOks()).toEqual([true, false, true]);
      const range = await verifyRange(client, EVERYTHING, keys);
      expect(range.ok).toBe(false);
      expect(range.totals).toMatchObject({ batchesFailed: 1, batchesOk: 2 });
    });

    it('detects a deleted event: event_missing naming merkle index and event id', async () => {
      const target = leaves[3];
      await tamper(client, async (tx) => {
        await tx.query('DELETE FROM events WHERE global_position = $1', [target.globalPosition]);
      });
      const batch = await verifyBatch(client, 1, keys);
      expect(batch.failures).toEqual([expect.objectContaining({ reason: 'event_missing', batchId: '1', merkleIndex: 3, eventId: target.eventId })]);
      expect(await batchOks()).toEqual([false, true, true]);
      expect((await verifyRange(client, EVERYTHING, keys)).ok).toBe(false);
    });

    it('detects a forged event inserted at a free global position inside a sealed batch', async () => {
      const { rows } = await client.query<{ hole: string }>(
        `SELECT min(g)::text AS hole FROM generate_series($1::bigint, $2::bigint) g WHERE NOT EXISTS (SELECT 1 FROM events WHERE global_position = g)`,
        [leaves[8].globalPosition, leaves[15].globalPosition],
      );
      const hole = rows[0].hole;
      expect(hole).not.toBeNull();
      const forged = randomUUID();
      await client.query(
        `INSERT INTO events (global_position, stream_id, stream_position, event_id, event_type, schema_version, data_text)
         VALUES ($1, 'forged', 1, $2, 'TestHappened', 1, '{"forged":true}')`,
        [hole, forged],
      );
      const batch = await verifyBatch(client, 2, keys);
      expect(batch.failures).toEqual([expect.objectContaining({ reason: 'unsealed_event_in_batch_range', batchId: '2', eventId: forged, globalPosition: hole })]);
      expect(await batchOks()).toEqual([true, false, true]);
      const range = await verifyRange(client, EVERYTHING, keys);
      expect(range.ok).toBe(false);
      expect(range.failures).toEqual([expect.objectContaining({ reason: 'uncovered_event', eventId: forged })]);
    });

    it('detects two events swapped: by position and by data', async () => {
      const [a, b] = [leaves[4], leaves[5]];
      await tamper(client, async (tx) => {
        await tx.query('UPDATE events SET global_position = -1 WHERE global_position = $1', [a.globalPosition]);
        await tx.query('UPDATE events SET global_position = $1 WHERE global_position = $2', [a.globalPosition, b.globalPosition]);
        await tx.query('UPDATE events SET global_position = $1 WHERE global_position = -1', [b.globalPosition]);
      });
      const first = await verifyBatch(client, 1, keys);
      expect(reasons(first.failures)).toEqual(['leaf_mismatch', 'root_mismatch']);
      expect(first.failures.filter((f) => f.reason === 'leaf_mismatch').map((f) => [f.merkleIndex, f.eventId])).toEqual([[4, a.eventId], [5, b.eventId]]);

      const [c, d] = [leaves[20], leaves[21]];
      await tamper(client, async (tx) => {
        await tx.query(
          `UPDATE events e SET data_text = o.data_text FROM events o
            WHERE (e.global_position, o.global_position) IN (($1::bigint, $2::bigint), ($2::bigint, $1::bigint))`,
          [c.globalPosition, d.globalPosition],
        );
      });
      const third = await verifyBatch(client, 3, keys);
      expect(third.failures.filter((f) => f.reason === 'leaf_mismatch').map((f) => f.merkleIndex)).toEqual([20, 21]);
      expect(await batchOks()).toEqual([false, true, false]);
    });

    it('detects a whole batch deleted with its head: batch_missing, head_missing, uncovered events', async () => {
      await client.query('DELETE FROM merkle_leaves WHERE batch_id = 2');
      await client.query('DELETE FROM merkle_heads WHERE batch_id = 2');
      await expect(verifyBatch(client, 2, keys)).resolves.toMatchObject({ ok: false, failures: [{ reason: 'head_missing', batchId: '2' }] });
      const third = await verifyBatch(client, 3, keys);
      expect(third.failures).toEqual([expect.objectContaining({ reason: 'head_missing', batchId: '2' })]);
      const range = await verifyRange(client, EVERYTHING, keys);
      expect(range.ok).toBe(false);
      expect(range.failures.filter((f) => f.reason === 'batch_missing').map((f) => f.batchId)).toEqual(['2']);
      expect(range.failures.filter((f) => f.reason === 'uncovered_event').map((f) => f.eventId)).toEqual(leaves.slice(8, 16).map((l) => l.eventId));
      expect(range.totals).toMatchObject({ batches: 2, missingBatches: 1 });

      // The last batch too: no gap left between heads, but the sealer's state still counts it.
      await client.query('DELETE FROM merkle_leaves WHERE batch_id = 3');
      await client.query('DELETE FROM merkle_heads WHERE batch_id = 3');
      const after = await verifyRange(client, EVERYTHING, keys);
      expect(after.failures.filter((f) => f.reason === 'batch_missing').map((f) => f.batchId)).toEqual(['2', '3']);
    });

    it('detects a head deleted with its leaves kept: batch_missing, and its events uncovered as leaves of a batch without a head', async () => {
      await client.query('DELETE FROM merkle_heads WHERE batch_id = 2');
      const range = await verifyRange(client, EVERYTHING, keys);
      expect(range.ok).toBe(false);
      expect(range.failures.filter((f) => f.reason === 'batch_missing').map((f) => f.batchId)).toEqual(['2']);
      const uncovered = range.failures.filter((f) => f.reason === 'uncovered_event');
      expect(uncovered.map((f) => [f.eventId, f.batchId, f.detail])).toEqual(leaves.slice(8, 16).map((l) => [l.eventId, '2', 'its batch 2 has no head']));
      // The open batch's leaves carry its id too, and stay unsealed, not uncovered.
      expect(range.unsealed.map((event) => event.merkleIndex)).toEqual([24, 25, 26, 27, 28, 29]);
    });

    it('detects a head re-signed with another key: unknown_key (and the broken chain), or bad_signature', async () => {
      const original = (await loadHead(client, 2)) as StoredHead;
      const other = generateSigningKeyPair();
      const resigned = { ...original.head, keyId: other.keyId };
      await client.query('UPDATE merkle_heads SET key_id = $1, signature = $2, head_hash = $3 WHERE batch_id = 2', [
        other.keyId, signTreeHead(resigned, other.privateKeyPem), headHash(resigned),
      ]);
      const second = await verifyBatch(client, 2, keys);
      expect(second.failures).toEqual([expect.objectContaining({ reason: 'unknown_key', batchId: '2', actual: other.keyId })]);
      const third = await verifyBatch(client, 3, keys);
      expect(third.failures).toEqual([expect.objectContaining({ reason: 'chain_broken', batchId: '3' })]);
      // The same head under its own key id, with another key's signature.
      await client.query('UPDATE merkle_heads SET key_id = $1, signature = $2, head_hash = $3 WHERE batch_id = 2', [
        original.head.keyId, signTreeHead(resigned, other.privateKeyPem), original.headHash,
      ]);
      const bad = await verifyBatch(client, 2, keys);
      expect(bad.failures).toEqual([expect.objectContaining({ reason: 'bad_signature', batchId: '2' })]);
      expect((await verifyBatch(client, 3, keys)).ok).toBe(true);
      expect((await verifyRange(client, EVERYTHING, keys)).ok).toBe(false);
    });
  });
}
