// The merkle-sealer behaviour every backend must show (PGlite and PostgreSQL). Test code only.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@caracal/test-support/wait-for.js';
import { START_OF_LOG, type NewEvent, type RecordedEvent, type SqlClient, type SqlEventStore } from '@caracal/event-store';
import {
  eventLeafHash, generateSigningKeyPair, headHash, merkleTreeHash, toHex, validateTreeHead, verifyTreeHeadSignature,
} from '@caracal/merkle';
import { loadCheckpoint, ProcessorRunner } from '@caracal/processing';
import { loadHeads, loadPublicKeys, RECORDED_AT_TEXT_SQL, recordedAtTextSql, type StoredHead } from '../merkle-heads.read.js';
import { createMerkleSealer, MERKLE_SEALER_TABLES, type MerkleSealer } from '../merkle-sealer.processor.js';
import { signerFromPrivateKey, type MerkleSigner } from '../signing-key.js';

export interface SealingSuiteSetup {
  open(): Promise<{ client: SqlClient; store: SqlEventStore }>;
  close(): Promise<void>;
}

const SETUP_TIMEOUT_MS = 120_000;

function newSigner(): MerkleSigner {
  return signerFromPrivateKey(generateSigningKeyPair().privateKeyPem);
}

function newEvents(count: number, tag: string): NewEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    eventId: randomUUID(),
    type: 'TestHappened',
    schemaVersion: 1,
    data: { tag, i, nested: { text: `é ${i}`, list: [1, 'two', null, true] } },
    metadata: { actor: 'sealing-test', correlationId: `c-${tag}-${i}` },
  }));
}

async function appendEvents(store: SqlEventStore, count: number, tag: string): Promise<void> {
  const events = newEvents(count, tag);
  // Several streams and several appends (transactions), some appends with several events.
  for (let i = 0; i < events.length; i += 3) {
    await store.append(`${tag}-${i % 4}`, events.slice(i, i + 3), { expected: 'any' });
  }
}

/** The whole log through the gap-free reader, once it returns every committed event. */
async function readEverything(client: SqlClient, store: SqlEventStore): Promise<RecordedEvent[]> {
  const expected = Number((await client.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0].n);
  let all: RecordedEvent[] = [];
  // readAll holds events back while an older transaction may still commit before them.
  await waitFor(async () => {
    all = [];
    let after = START_OF_LOG;
    for (;;) {
      const batch = await store.readAll({ after, maxCount: 1000 });
      if (batch.length === 0) return all.length === expected;
      all.push(...batch);
      const last = batch[batch.length - 1];
      after = { transactionId: last.transactionId, globalPosition: last.globalPosition };
    }
  }, 'readAll to return every committed event');
  return all;
}

/** Applies events in processor batches of `size`, each in its own transaction. */
async function applyInBatches(client: SqlClient, sealer: MerkleSealer, events: readonly RecordedEvent[], size: number): Promise<void> {
  for (let i = 0; i < events.length; i += size) {
    const batch = events.slice(i, i + size);
    await client.transaction((tx) => sealer.apply(tx, batch));
  }
}

interface LeafRow extends Record<string, unknown> {
  merkle_index: string;
  global_position: string;
  event_id: string;
  leaf_hash: string;
  recorded_at: string;
  batch_id: string;
}

async function leafRows(client: SqlClient): Promise<LeafRow[]> {
  const { rows } = await client.query<LeafRow>(
    `SELECT merkle_index::text AS merkle_index, global_position::text AS global_position, event_id::text AS event_id,
            encode(leaf_hash, 'hex') AS leaf_hash, recorded_at, batch_id::text AS batch_id
       FROM merkle_leaves l ORDER BY l.merkle_index`,
  );
  return rows;
}

/** Each leaf's batch and row version (xmin): an update of the row gives it another. */
async function leafVersions(client: SqlClient): Promise<{ merkle_index: string; batch_id: string; version: string }[]> {
  const { rows } = await client.query<{ merkle_index: string; batch_id: string; version: string }>(
    'SELECT merkle_index::text AS merkle_index, batch_id::text AS batch_id, xmin::text AS version FROM merkle_leaves l ORDER BY l.merkle_index',
  );
  return rows;
}

/** Every sealer table as sorted JSON rows: equal dumps = nothing changed. */
async function dump(client: SqlClient): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of [...MERKLE_SEALER_TABLES, 'merkle_keys']) {
    const { rows } = await client.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM ${table} t ORDER BY 1`);
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

/**
 * What a verifier does: leaves re-derived from the events table (recorded_at read as text with
 * microseconds), dense indexes, each head's root = MTH of all leaves so far, chain, signatures.
 */
async function verifyEverything(client: SqlClient, options: { sealedUpTo?: number } = {}): Promise<{ heads: StoredHead[]; leaves: LeafRow[] }> {
  const leaves = await leafRows(client);
  leaves.forEach((leaf, i) => expect(leaf.merkle_index).toBe(String(i)));

  const { rows: events } = await client.query<{
    global_position: string; stream_id: string; stream_position: string; event_id: string; event_type: string;
    schema_version: number; data: unknown; metadata: unknown; recorded_at: string; merkle_index: string;
  }>(
    `SELECT e.global_position::text AS global_position, e.stream_id, e.stream_position::text AS stream_position,
            e.event_id::text AS event_id, e.event_type, e.schema_version, e.data::text AS data, e.metadata::text AS metadata,
            ${recordedAtTextSql('e.recorded_at')} AS recorded_at, l.merkle_index::text AS merkle_index
       FROM events e JOIN merkle_leaves l ON l.event_id = e.event_id ORDER BY l.merkle_index`,
  );
  expect(events).toHaveLength(leaves.length);
  const hashes: Buffer[] = [];
  events.forEach((event, i) => {
    const recomputed = eventLeafHash({
      merkleIndex: event.merkle_index,
      globalPosition: event.global_position,
      streamId: event.stream_id,
      streamPosition: event.stream_position,
      eventId: event.event_id,
      eventType: event.event_type,
      schemaVersion: event.schema_version,
      data: JSON.parse(event.data as string) as Record<string, unknown>,
      metadata: JSON.parse(event.metadata as string) as Record<string, unknown>,
      recordedAt: event.recorded_at,
    });
    expect(toHex(recomputed)).toBe(leaves[i].leaf_hash);
    expect(event.recorded_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(leaves[i].recorded_at).toBe(event.recorded_at);
    hashes.push(recomputed);
  });

  const heads = await loadHeads(client);
  const keys = await loadPublicKeys(client);
  let previous: StoredHead | null = null;
  for (const stored of heads) {
    const { head } = stored;
    validateTreeHead(head);
    expect(head.firstIndex).toBe(previous === null ? 0 : previous.head.lastIndex + 1);
    expect(head.rootHash).toBe(toHex(merkleTreeHash(hashes.slice(0, head.treeSize))));
    expect(head.previousHeadHash).toBe(previous === null ? null : headHash(previous.head));
    expect(stored.headHash).toBe(headHash(head));
    expect(head.firstRecordedAt).toBe(events[head.firstIndex].recorded_at);
    expect(head.lastRecordedAt).toBe(events[head.lastIndex].recorded_at);
    expect(verifyTreeHeadSignature(head, stored.signature, keys)).toEqual({ ok: true, keyId: head.keyId });
    for (let i = head.firstIndex; i <= head.lastIndex; i++) expect(leaves[i].batch_id).toBe(head.batchId);
    previous = stored;
  }
  const sealed = previous === null ? 0 : previous.head.treeSize;
  if (options.sealedUpTo !== undefined) expect(sealed).toBe(options.sealedUpTo);
  // The open batch's leaves carry its id from the start: sealing rewrites no leaf.
  const open = String(previous === null ? 1n : BigInt(previous.head.batchId) + 1n);
  for (let i = sealed; i < leaves.length; i++) expect(leaves[i].batch_id).toBe(open);
  return { heads, leaves };
}

export function describeSealing(backend: string, setup: SealingSuiteSetup): void {
  describe(`merkle-sealer on ${backend}`, () => {
    let client: SqlClient;
    let store: SqlEventStore;

    beforeAll(async () => {
      ({ client, store } = await setup.open());
    }, SETUP_TIMEOUT_MS);

    afterAll(async () => {
      await setup.close();
    });

    async function reset(): Promise<void> {
      await client.query(`TRUNCATE ${[...MERKLE_SEALER_TABLES, 'merkle_keys', 'processor_checkpoints', 'processor_leases'].join(', ')}`);
    }

    it('assigns dense indexes in log order, closes batches at N (also mid processor batch), chains and signs heads', async () => {
      await reset();
      await appendEvents(store, 23, 'count');
      // PGlite's now() has millisecond resolution: one event with explicit microseconds, inserted
      // directly (INSERT is allowed on events), so both backends exercise the precision trap.
      const microEventId = randomUUID();
      await client.query(
        `INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text, metadata_text, recorded_at)
         VALUES ('micro-1', 1, $1, 'TestHappened', 1, '{"tag":"micro"}', '{}', '2024-01-31 12:00:00.123456+00')`,
        [microEventId],
      );
      await appendEvents(store, 23, 'count');
      const events = await readEverything(client, store);
      const signer = newSigner();
      const sealer = createMerkleSealer({ signer, batchLeaves: 7, maxBatchAgeMs: 60_000 });
      await applyInBatches(client, sealer, events, 10);

      const { heads, leaves } = await verifyEverything(client, { sealedUpTo: 42 });
      const micro = leaves.find((leaf) => leaf.event_id === microEventId)!;
      expect(micro.recorded_at).toBe('2024-01-31T12:00:00.123456Z');
      const microEvent = events.find((event) => event.eventId === microEventId)!;
      const withDate = eventLeafHash({
        merkleIndex: micro.merkle_index, globalPosition: microEvent.globalPosition, streamId: microEvent.streamId,
        streamPosition: microEvent.streamPosition, eventId: microEvent.eventId, eventType: microEvent.type,
        schemaVersion: microEvent.schemaVersion, data: microEvent.data, metadata: microEvent.metadata, recordedAt: microEvent.recordedAt,
      });
      expect(toHex(withDate)).not.toBe(micro.leaf_hash); // the Date lost the 456 µs
      expect(leaves.map((l) => l.event_id)).toEqual(events.map((e) => e.eventId));
      expect(leaves.map((l) => l.global_position)).toEqual(events.map((e) => e.globalPosition.toString()));
      expect(heads.map((h) => [h.head.batchId, h.head.firstIndex, h.head.lastIndex])).toEqual(
        Array.from({ length: 6 }, (_, k) => [String(k + 1), k * 7, k * 7 + 6]),
      );
      expect(heads.every((h) => h.head.keyId === signer.keyId)).toBe(true);
      const { rows: keys } = await client.query<{ key_id: string; public_key_pem: string }>('SELECT key_id, public_key_pem FROM merkle_keys');
      expect(keys).toEqual([{ key_id: signer.keyId, public_key_pem: signer.publicKeyPem }]);
      // Only public keys: nothing that looks like a private key anywhere in the sealer tables.
      expect(JSON.stringify(await dump(client))).not.toMatch(/PRIVATE KEY/);
    });

    it('reads recorded_at with microseconds: a Date (milliseconds) would give other leaves', async () => {
      const { rows } = await client.query<{ recorded_at: string; n: string }>(
        `SELECT ${RECORDED_AT_TEXT_SQL} AS recorded_at, global_position::text AS n FROM events ORDER BY global_position`,
      );
      expect(rows.some((row) => row.recorded_at === '2024-01-31T12:00:00.123456Z')).toBe(true);
      // PostgreSQL's now() has microseconds: most appended events carry some.
      if (client.backend === 'postgres') expect(rows.filter((row) => !row.recorded_at.endsWith('000Z')).length).toBeGreaterThan(0);
    });

    it('is idempotent per event: re-applying everything, in one batch or one by one, changes nothing', async () => {
      const before = await dump(client);
      const events = await readEverything(client, store);
      const sealer = createMerkleSealer({ signer: newSigner(), batchLeaves: 7, maxBatchAgeMs: 60_000 });
      await applyInBatches(client, sealer, events, events.length);
      await applyInBatches(client, sealer, events.slice(3, 20).reverse(), 1);
      expect(await dump(client)).toEqual(before);
    });

    it('closes a non-empty batch after T (sealDue, and apply before its batch), never an empty one', async () => {
      await reset();
      const events = await readEverything(client, store);
      let now = new Date('2030-01-01T00:00:00.000Z');
      const sealer = createMerkleSealer({ signer: newSigner(), batchLeaves: 20, maxBatchAgeMs: 5_000, clock: () => now });
      await expect(client.transaction((tx) => sealer.sealDue(tx))).resolves.toBeNull(); // empty log
      await applyInBatches(client, sealer, events.slice(0, 25), 25); // batch 1 = [0, 19], 5 open
      now = new Date(now.getTime() + 4_999);
      await expect(client.transaction((tx) => sealer.sealDue(tx))).resolves.toBeNull();
      now = new Date(now.getTime() + 1);
      const due = await client.transaction((tx) => sealer.sealDue(tx));
      expect(due?.head).toMatchObject({ batchId: '2', firstIndex: 20, lastIndex: 24, treeSize: 25, timestamp: '2030-01-01T00:00:05.000000Z' });
      now = new Date(now.getTime() + 60_000);
      await expect(client.transaction((tx) => sealer.sealDue(tx))).resolves.toBeNull(); // nothing open
      await verifyEverything(client, { sealedUpTo: 25 });

      // The open batch [25, 29] is older than T when the next processor batch arrives: apply seals
      // it first, then the new leaves open the next batch.
      await applyInBatches(client, sealer, events.slice(25, 30), 5);
      now = new Date(now.getTime() + 5_000);
      await applyInBatches(client, sealer, events.slice(30, 33), 3);
      const { heads } = await verifyEverything(client, { sealedUpTo: 30 });
      expect(heads.at(-1)?.head).toMatchObject({ batchId: '3', firstIndex: 25, lastIndex: 29 });
      await expect(client.transaction((tx) => sealer.sealOpen(tx))).resolves.toMatchObject({ head: { firstIndex: 30, lastIndex: 32 } });
      await verifyEverything(client, { sealedUpTo: 33 });
    });

    it('stores each leaf with its batch: sealing writes no leaf row', async () => {
      await reset();
      const events = await readEverything(client, store);
      const sealer = createMerkleSealer({ signer: newSigner(), batchLeaves: 7, maxBatchAgeMs: 60_000 });
      await applyInBatches(client, sealer, events.slice(0, 5), 5); // batch 1 open: [0, 4]
      const stored = await leafVersions(client);
      expect(stored.map((leaf) => leaf.batch_id)).toEqual(['1', '1', '1', '1', '1']);
      await applyInBatches(client, sealer, events.slice(5, 17), 12); // seals 1 = [0, 6] and 2 = [7, 13] in this transaction
      await verifyEverything(client, { sealedUpTo: 14 });
      // The leaves stored before are the same row versions: the seals did not rewrite them.
      expect((await leafVersions(client)).slice(0, 5)).toEqual(stored);
    });

    it('closes a full open batch whole when N was lowered, so every leaf keeps its batch', async () => {
      await reset();
      const events = await readEverything(client, store);
      await applyInBatches(client, createMerkleSealer({ signer: newSigner(), batchLeaves: 10, maxBatchAgeMs: 60_000 }), events.slice(0, 8), 8);
      const lowered = createMerkleSealer({ signer: newSigner(), batchLeaves: 3, maxBatchAgeMs: 60_000 });
      await applyInBatches(client, lowered, events.slice(8, 12), 4);
      const { heads } = await verifyEverything(client, { sealedUpTo: 11 });
      // [0, 7] as stored under N = 10, then the new leaves cut at every 3: [8, 10], 11 open.
      expect(heads.map((h) => [h.head.batchId, h.head.firstIndex, h.head.lastIndex])).toEqual([['1', 0, 7], ['2', 8, 10]]);
    });

    it('keeps old heads verifiable after a key rotation', async () => {
      await reset();
      const events = await readEverything(client, store);
      const first = newSigner();
      const second = newSigner();
      await applyInBatches(client, createMerkleSealer({ signer: first, batchLeaves: 10 }), events.slice(0, 20), 20);
      await applyInBatches(client, createMerkleSealer({ signer: second, batchLeaves: 10 }), events.slice(20, 40), 20);
      const { heads } = await verifyEverything(client, { sealedUpTo: 40 });
      expect(heads.map((h) => h.head.keyId)).toEqual([first.keyId, first.keyId, second.keyId, second.keyId]);
      expect(verifyTreeHeadSignature(heads[0].head, heads[0].signature, new Map([[second.keyId, second.publicKeyPem]]))).toMatchObject({
        ok: false, reason: 'unknown_key',
      });
    });

    it('runs under ProcessorRunner: checkpoint and leaves commit together, new events keep the chain', async () => {
      await reset();
      const sealer = createMerkleSealer({ signer: newSigner(), batchLeaves: 9 });
      const runner = new ProcessorRunner({ client, store, processor: sealer, batchSize: 4, pollMs: 50, owner: `sealing-test-${randomUUID()}` });
      await runner.start();
      try {
        await appendEvents(store, 12, 'live');
        // Not readAll: it holds back events while the runner's own transaction is open (gap-free).
        const total = Number((await client.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0].n);
        await waitFor(async () => (await loadCheckpoint(client, sealer))?.eventsProcessed === BigInt(total), 'the sealer to catch up').catch(async (error: unknown) => {
          throw new Error(`${(error as Error).message}; status ${JSON.stringify(runner.status(), (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}; total ${total}; leaves ${(await leafRows(client)).length}`);
        });
        const sealedUpTo = Math.floor(total / 9) * 9;
        const { leaves } = await verifyEverything(client, { sealedUpTo });
        expect(leaves).toHaveLength(total);
      } finally {
        await runner.stop();
      }
    });
  });
}
