import { checkEventTag, type EventKeyring, type RecordedEvent, type SqlExecutor } from '@caracal/event-store';
import {
  CompactRange, canonicalTimestamp, canonicalTreeHeadBytes, hashFromHex, headHash, storedLeafHash, toHex, validateTreeHead,
  verifyTreeHeadSignature, type SignedTreeHead, type TreeHead,
} from '@caracal/merkle';
import type { Processor } from '@caracal/processing';
import { loadLatestHead, recordedAtTextSql } from './merkle-heads.read.js';
import type { MerkleSigner } from './signing-key.js';

export const MERKLE_SEALER = 'merkle-sealer-group';
/** The sealer's tables (merkle_keys aside). Not read models: `db reset` keeps them, see keptOnReset below. */
export const MERKLE_SEALER_TABLES = ['merkle_leaves', 'merkle_heads', 'merkle_state'];
/** Why the sealer refused an event (merkle_refused_events.reason). */
export const EVENT_NOT_AUTHENTICATED = 'event_not_authenticated';
export const DEFAULT_BATCH_LEAVES = 1000;
export const DEFAULT_MAX_BATCH_AGE_MS = 5000;

export interface MerkleSealerOptions {
  /** Signs heads; the private key stays inside it. */
  signer: MerkleSigner;
  /** N: a batch closes when it holds this many leaves (default 1000). */
  batchLeaves?: number;
  /** T: a non-empty batch whose first leaf was assigned this long ago closes (default 5000 ms). */
  maxBatchAgeMs?: number;
  /** The sealer's clock (head timestamps, batch age). Default: new Date(). */
  clock?: () => Date;
  /**
   * The event authentication keys (current and retired), read before each batch so a rotation
   * is picked up. When given, an event that must be authenticated (written after migration 011)
   * and whose tag does not verify gets no leaf: it is recorded in merkle_refused_events and
   * reported through onRefused. Without it, tags are not checked (docs/leaf-format.md).
   */
  eventKeys?: () => EventKeyring | Promise<EventKeyring>;
  /** An event refused for the first time (not again when a batch is re-applied). */
  onRefused?: (refusal: RefusedEvent) => void;
}

export interface RefusedEvent {
  eventId: string;
  globalPosition: string;
  reason: typeof EVENT_NOT_AUTHENTICATED;
  detail: string;
}

interface SealerEventRow extends Record<string, unknown> {
  global_position: string;
  recorded_at: string;
  merkle_index: string | null;
  refused: boolean;
  must_authenticate: boolean;
  stream_id: string;
  stream_position: string;
  event_id: string;
  event_type: string;
  schema_version: number;
  data_text: string;
  metadata_text: string;
  auth_key_id: string | null;
  auth_tag: Buffer | null;
}

// Leaf, refusal and key are looked up per event (subqueries), not joined: as joins, PostgreSQL
// hashed the whole merkle_leaves table for every batch once it judged a scan cheaper than a
// batch's index lookups (at ~45,000 leaves: 7-9 ms a batch of ~420 events, against ~5 with the
// lookups; docs/benchmarks.md, issue 9, thirteenth session), a cost that grew with the log.
const SEALER_EVENTS_SQL = `
SELECT e.global_position::text AS global_position, ${recordedAtTextSql('e.recorded_at')} AS recorded_at,
       (SELECT l.merkle_index::text FROM merkle_leaves l WHERE l.global_position = e.global_position) AS merkle_index,
       EXISTS (SELECT 1 FROM merkle_refused_events r WHERE r.event_id = e.event_id) AS refused,
       e.transaction_id >= coalesce((SELECT required_from FROM event_authentication), '0'::xid8) AS must_authenticate,
       e.stream_id, e.stream_position::text AS stream_position, e.event_id::text AS event_id, e.event_type, e.schema_version,
       e.data_text, e.metadata_text,
       coalesce((SELECT k.key_id FROM event_auth_keys k WHERE k.key_no = e.auth_key), 'number ' || e.auth_key, e.auth_key_id_text) AS auth_key_id,
       e.auth_tag
  FROM events e
 WHERE e.global_position = ANY($1::bigint[])`;

const TAG_FAILURES = {
  missing: 'carries no authentication tag',
  unknown_key: 'is tagged with a key the sealer does not know',
  mismatch: 'has a tag that does not match its bytes',
} as const;

export interface MerkleSealer extends Processor {
  /**
   * Closes the open batch when it is not empty and its first leaf was assigned at least T before
   * `now`. Run it in a transaction of its own on a timer (apply also checks it before each batch).
   * Returns the new head, or null when nothing was due.
   */
  sealDue(tx: SqlExecutor, now?: Date): Promise<SignedTreeHead | null>;
  /** Closes the open batch now if it is not empty (e.g. on a graceful shutdown). */
  sealOpen(tx: SqlExecutor, now?: Date): Promise<SignedTreeHead | null>;
}

/** The sealer's state is inconsistent with its tables (a bug or a hand edit): nothing is written. */
export class MerkleSealerStateError extends Error {
  constructor(detail: string) {
    super(`merkle-sealer: ${detail}`);
    this.name = 'MerkleSealerStateError';
  }
}

interface SealerState {
  nextIndex: bigint;
  nextBatchId: bigint;
  openFirstIndex: bigint;
  due: boolean;
}

/**
 * merkle-sealer-group: gives every event of the log a dense merkle index in the gap-free reader's
 * order, stores its leaf hash, and seals batches of N leaves (or older than T) into signed tree
 * heads chained by headHash. See docs/sealing.md.
 *
 * Idempotent per event: an event that already has a leaf (one per global position) is skipped,
 * so a DLQ retry changes nothing. An event parked in the DLQ gets its leaf when it is retried, at the
 * index then next: the log stays dense, its order is the order the sealer assigned.
 */
export function createMerkleSealer(options: MerkleSealerOptions): MerkleSealer {
  const batchLeaves = options.batchLeaves ?? DEFAULT_BATCH_LEAVES;
  const maxAgeMs = options.maxBatchAgeMs ?? DEFAULT_MAX_BATCH_AGE_MS;
  const clock = options.clock ?? (() => new Date());
  const signer = options.signer;
  if (!Number.isSafeInteger(batchLeaves) || batchLeaves < 1) throw new RangeError(`batchLeaves must be a positive integer, got ${batchLeaves}`);
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) throw new RangeError(`maxBatchAgeMs must be ≥ 0, got ${maxAgeMs}`);

  async function lockState(tx: SqlExecutor, now: Date): Promise<SealerState> {
    await tx.query('INSERT INTO merkle_state (id) VALUES (true) ON CONFLICT (id) DO NOTHING', [], 'caracal_sealer_state_row');
    const { rows } = await tx.query<{ next_index: string; next_batch_id: string; open_first_index: string; due: boolean }>(
      `SELECT next_index::text AS next_index, next_batch_id::text AS next_batch_id, open_first_index::text AS open_first_index,
              coalesce(open_batch_started_at <= $1::timestamptz - make_interval(secs => $2::float8), false) AS due
         FROM merkle_state WHERE id FOR UPDATE`,
      [now.toISOString(), maxAgeMs / 1000],
      'caracal_sealer_lock_state',
    );
    const row = rows[0];
    return { nextIndex: BigInt(row.next_index), nextBatchId: BigInt(row.next_batch_id), openFirstIndex: BigInt(row.open_first_index), due: row.due };
  }

  /** Seals [state.openFirstIndex, lastIndex]: leaves are already stored. Updates state in place. */
  async function seal(tx: SqlExecutor, state: SealerState, lastIndex: bigint, now: Date): Promise<SignedTreeHead> {
    await signer.refresh?.(); // a rotated key file signs from this head on
    const firstIndex = state.openFirstIndex;
    const previous = await loadLatestHead(tx);
    const expectedFirst = previous === null ? 0n : BigInt(previous.head.lastIndex) + 1n;
    if (expectedFirst !== firstIndex) throw new MerkleSealerStateError(`open batch starts at ${firstIndex}, the last head ends before ${expectedFirst}`);
    const { rows } = await tx.query<{ leaf_hash: string; recorded_at: string; batch_id: string }>(
      `SELECT encode(leaf_hash, 'hex') AS leaf_hash, recorded_at, batch_id::text AS batch_id FROM merkle_leaves
        WHERE merkle_index BETWEEN $1 AND $2 ORDER BY merkle_index`,
      [firstIndex.toString(), lastIndex.toString()],
    );
    if (BigInt(rows.length) !== lastIndex - firstIndex + 1n) {
      throw new MerkleSealerStateError(`batch ${state.nextBatchId} [${firstIndex}, ${lastIndex}] has ${rows.length} stored leaves`);
    }
    const stray = rows.find((row) => row.batch_id !== state.nextBatchId.toString());
    if (stray !== undefined) throw new MerkleSealerStateError(`batch ${state.nextBatchId} [${firstIndex}, ${lastIndex}] holds a leaf of batch ${stray.batch_id}`);
    const start = previous === null ? CompactRange.empty() : CompactRange.deserialize(previous.head.compactRange);
    const range = start.appendAll(rows.map((row) => hashFromHex(row.leaf_hash, 'leaf_hash')));
    const head: TreeHead = {
      batchId: state.nextBatchId.toString(),
      treeSize: Number(lastIndex) + 1,
      rootHash: toHex(range.root()),
      firstIndex: Number(firstIndex),
      lastIndex: Number(lastIndex),
      firstRecordedAt: rows[0].recorded_at,
      lastRecordedAt: rows[rows.length - 1].recorded_at,
      previousHeadHash: previous === null ? null : headHash(previous.head),
      timestamp: canonicalTimestamp(now),
      keyId: signer.keyId,
      compactRange: range.serialize(),
    };
    validateTreeHead(head);
    const signature = Buffer.from(await signer.sign(canonicalTreeHeadBytes(head))).toString('hex');
    // A signer whose key is not the one it names would write heads that never verify: refuse.
    const check = verifyTreeHeadSignature(head, signature, new Map([[signer.keyId, signer.publicKeyPem]]));
    if (!check.ok) throw new MerkleSealerStateError(`the signer's signature does not verify (${check.reason}) with key ${signer.keyId}`);

    // The signer's key becomes the current one when it is new (or back from retirement): every
    // other key gets retired_at, and stays listed so the heads it signed still verify.
    await tx.query(
      `WITH k AS (
         INSERT INTO merkle_keys (key_id, public_key_pem) VALUES ($10, $14)
         ON CONFLICT (key_id) DO UPDATE SET retired_at = NULL WHERE merkle_keys.retired_at IS NOT NULL RETURNING 1
       ), r AS (
         UPDATE merkle_keys SET retired_at = now() WHERE retired_at IS NULL AND key_id <> $10 AND EXISTS (SELECT 1 FROM k) RETURNING 1
       ), h AS (
         INSERT INTO merkle_heads (batch_id, tree_size, root_hash, first_index, last_index, first_recorded_at, last_recorded_at,
                                   previous_head_hash, timestamp, key_id, compact_range, signature, head_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13) RETURNING 1
       )
       UPDATE merkle_state SET next_batch_id = $1::bigint + 1, open_first_index = $5::bigint + 1,
              open_batch_started_at = CASE WHEN next_index > $5::bigint + 1 THEN $15::timestamptz END
        WHERE id`,
      [
        head.batchId, head.treeSize, head.rootHash, head.firstIndex, head.lastIndex, head.firstRecordedAt, head.lastRecordedAt,
        head.previousHeadHash, head.timestamp, head.keyId, JSON.stringify(head.compactRange), signature, headHash(head),
        signer.publicKeyPem, now.toISOString(),
      ],
    );
    state.nextBatchId += 1n;
    state.openFirstIndex = lastIndex + 1n;
    return { head, signature };
  }

  async function sealOpenIf(tx: SqlExecutor, now: Date, onlyIfDue: boolean): Promise<SignedTreeHead | null> {
    const state = await lockState(tx, now);
    if (state.nextIndex === state.openFirstIndex || (onlyIfDue && !state.due)) return null;
    return seal(tx, state, state.nextIndex - 1n, now);
  }

  async function apply(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = clock();
    const state = await lockState(tx, now);
    // Time-based close first: those leaves were waiting before this batch arrived. An open batch
    // already holding N leaves (N lowered since they were stored) closes whole too: its leaves
    // carry its id, and batchOf below counts from an open batch that is not full.
    const full = state.nextIndex - state.openFirstIndex >= BigInt(batchLeaves);
    if ((state.due || full) && state.nextIndex > state.openFirstIndex) await seal(tx, state, state.nextIndex - 1n, now);

    // The events as stored: leaves hash the stored text (RecordedEvent.data is a parse of it, and
    // its recordedAt a Date without microseconds), whether each already has a leaf or was refused,
    // and whether it must carry a tag: one query per batch. The tag's key id is the numbered key's
    // (migration 019), or the one written in the row before it; a number that names no key is
    // reported as 'number <n>', a key id no keyring holds.
    const { rows } = await tx.query<SealerEventRow>(
      SEALER_EVENTS_SQL,
      [events.map((event) => event.globalPosition.toString())],
      'caracal_sealer_events',
    );
    const stored = new Map(rows.map((row) => [row.global_position, row]));
    const keyring = options.eventKeys === undefined ? null : await options.eventKeys();
    const refused: RefusedEvent[] = [];

    const leaves = { index: [] as string[], position: [] as string[], eventId: [] as string[], hash: [] as string[], recordedAt: [] as string[], batchId: [] as string[] };
    // Each leaf is stored with the batch it will be sealed in (the count-based closes below cut
    // at every N leaves from the open batch's first), so sealing writes no leaf row.
    const batchOf = (index: bigint): bigint => state.nextBatchId + (index - state.openFirstIndex) / BigInt(batchLeaves);
    const seen = new Set<string>();
    const openBefore = state.nextIndex > state.openFirstIndex;
    for (const event of events) {
      const position = event.globalPosition.toString();
      const row = stored.get(position);
      if (row === undefined) throw new MerkleSealerStateError(`event ${event.eventId} at global position ${position} is not in the events table`);
      if (row.merkle_index !== null || row.refused || seen.has(row.event_id)) continue; // already sealed or refused: idempotent
      seen.add(row.event_id);
      if (keyring !== null && row.must_authenticate) {
        const fields = {
          eventId: row.event_id, eventType: row.event_type, schemaVersion: row.schema_version, streamId: row.stream_id,
          dataText: row.data_text, metadataText: row.metadata_text,
        };
        const check = checkEventTag(keyring, fields, row.auth_key_id, row.auth_tag);
        if (check !== 'ok') {
          const keyNote = check === 'unknown_key' ? ` (${row.auth_key_id})` : '';
          refused.push({ eventId: row.event_id, globalPosition: position, reason: EVENT_NOT_AUTHENTICATED, detail: `the event ${TAG_FAILURES[check]}${keyNote}` });
          continue;
        }
      }
      const merkleIndex = state.nextIndex;
      state.nextIndex += 1n;
      const hash = storedLeafHash({
        merkleIndex: merkleIndex.toString(),
        globalPosition: position,
        streamId: row.stream_id,
        streamPosition: row.stream_position,
        eventId: row.event_id,
        eventType: row.event_type,
        schemaVersion: row.schema_version,
        dataText: row.data_text,
        metadataText: row.metadata_text,
        recordedAt: row.recorded_at,
      });
      leaves.index.push(merkleIndex.toString());
      leaves.position.push(position);
      leaves.eventId.push(row.event_id);
      leaves.hash.push(toHex(hash));
      leaves.recordedAt.push(row.recorded_at);
      leaves.batchId.push(batchOf(merkleIndex).toString());
    }
    if (refused.length > 0) await quarantine(tx, refused, options.onRefused);
    if (leaves.index.length === 0) return;

    await tx.query(
      `WITH l AS (
         INSERT INTO merkle_leaves (merkle_index, global_position, event_id, leaf_hash, recorded_at, batch_id)
         SELECT i, p, e, decode(h, 'hex'), r, b FROM unnest($1::bigint[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $9::bigint[]) AS x(i, p, e, h, r, b)
         RETURNING 1
       )
       UPDATE merkle_state SET next_index = $6,
              open_batch_started_at = CASE WHEN $7::boolean THEN open_batch_started_at ELSE $8::timestamptz END
        WHERE id`,
      [leaves.index, leaves.position, leaves.eventId, leaves.hash, leaves.recordedAt, state.nextIndex.toString(), openBefore, now.toISOString(), leaves.batchId],
    );
    // Count-based closes; a batch may close in the middle of this processor batch.
    while (state.nextIndex - state.openFirstIndex >= BigInt(batchLeaves)) {
      await seal(tx, state, state.openFirstIndex + BigInt(batchLeaves) - 1n, now);
    }
  }

  return {
    name: MERKLE_SEALER,
    version: 1,
    readModelTables: [...MERKLE_SEALER_TABLES],
    // Signed heads are promises to third parties: a reset of read models must not renumber them.
    keptOnReset: true,
    apply,
    sealDue: (tx, now = clock()) => sealOpenIf(tx, now, true),
    sealOpen: (tx, now = clock()) => sealOpenIf(tx, now, false),
  };
}

/**
 * Records refused events where the operator (and verify-range) sees them; they get no leaf. The
 * callback hears of each once, after its first refusal (a re-applied batch finds it recorded).
 */
async function quarantine(tx: SqlExecutor, refused: readonly RefusedEvent[], onRefused?: (refusal: RefusedEvent) => void): Promise<void> {
  const { rows } = await tx.query<{ event_id: string }>(
    `INSERT INTO merkle_refused_events (event_id, global_position, reason, detail)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[])
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id::text AS event_id`,
    [refused.map((r) => r.eventId), refused.map((r) => r.globalPosition), refused.map((r) => r.reason), refused.map((r) => r.detail)],
  );
  const fresh = new Set(rows.map((row) => row.event_id));
  for (const refusal of refused) if (fresh.has(refusal.eventId)) onRefused?.(refusal);
}
