import type { SqlExecutor } from '@caracal/event-store';
import type { StoredEventLeaf } from '@caracal/merkle';
import type { EventLeafFields } from './export-bundle.js';
import { checkBatch, type BatchLeaf, type CheckedHead, type PublicKeys } from './batch.check.js';
import { loadHead, loadPublicKeys, recordedAtTextSql } from './merkle-heads.read.js';
import { storedLeafTextSql } from './stored-leaf.sql.js';
import type { BatchVerification, VerificationFailure } from './verification-report.js';

export type { PublicKeys } from './batch.check.js';

export interface LeafEventRow extends Record<string, unknown> {
  merkle_index: string;
  leaf_global_position: string;
  leaf_event_id: string;
  leaf_hash: string;
  leaf_batch_id: string | null;
  global_position: string | null;
  stream_id: string | null;
  stream_position: string | null;
  event_id: string | null;
  event_type: string | null;
  schema_version: number | null;
  data_text: string | null;
  metadata_text: string | null;
  recorded_at: string | null;
}

/**
 * The leaves [first, last] with the events they stand for, looked up by global position in the
 * events table as it is now (recorded_at as text with microseconds, like the sealer).
 */
export async function loadLeafEvents(sql: SqlExecutor, first: number, last: number): Promise<LeafEventRow[]> {
  const { rows } = await sql.query<LeafEventRow>(
    `SELECT l.merkle_index::text AS merkle_index, l.global_position::text AS leaf_global_position, l.event_id::text AS leaf_event_id,
            encode(l.leaf_hash, 'hex') AS leaf_hash, l.batch_id::text AS leaf_batch_id,
            e.global_position::text AS global_position, e.stream_id, e.stream_position::text AS stream_position,
            e.event_id::text AS event_id, e.event_type, e.schema_version, e.data_text, e.metadata_text,
            ${recordedAtTextSql('e.recorded_at')} AS recorded_at
       FROM merkle_leaves l LEFT JOIN events e ON e.global_position = l.global_position
      WHERE l.merkle_index BETWEEN $1 AND $2
      ORDER BY l.merkle_index`,
    [String(first), String(last)],
  );
  return rows;
}

/** A leaf of the batch with its event's leaf text, or (merkle_index null) an event inside the batch's span without a leaf of this batch. */
interface LeafTextRow extends Record<string, unknown> {
  merkle_index: string | null;
  leaf_global_position: string | null;
  leaf_event_id: string | null;
  leaf_hash: string | null;
  leaf_batch_id: string | null;
  global_position: string | null;
  event_id: string | null;
  leaf_text: string | null;
}

/**
 * The leaves [first, last] with the leaf text of the event now at each one's global position,
 * built by the database (storedLeafTextSql): what verification hashes, one text per event; then
 * the events inside the leaves' global-position span without a leaf of this batch, found in the
 * same read of the events (candidate intruders: see intrudersAmong).
 * The events are read as one range scan over the leaves' global positions (nearly contiguous:
 * the sealer indexes events in the reader's order) and hash-joined, instead of one index probe
 * per leaf, which cost three times as much (docs/benchmarks.md, "Merkle"). No per-row subquery:
 * its estimated cost over the span's unknown size made PostgreSQL JIT-compile every batch's
 * query (5x slower).
 */
async function loadLeafTexts(sql: SqlExecutor, first: number, last: number): Promise<LeafTextRow[]> {
  const { rows } = await sql.query<LeafTextRow>(
    `WITH l AS MATERIALIZED (
       SELECT merkle_index, global_position, event_id, leaf_hash, batch_id FROM merkle_leaves WHERE merkle_index BETWEEN $1 AND $2
     ), span AS (SELECT min(global_position) AS low, max(global_position) AS high FROM l)
     SELECT l.merkle_index::text AS merkle_index, l.global_position::text AS leaf_global_position, l.event_id::text AS leaf_event_id,
            encode(l.leaf_hash, 'hex') AS leaf_hash, l.batch_id::text AS leaf_batch_id, e.global_position::text AS global_position,
            e.event_id::text AS event_id, ${storedLeafTextSql('l', 'e')} AS leaf_text
       FROM l FULL JOIN (SELECT e.* FROM events e, span WHERE e.global_position BETWEEN span.low AND span.high) e
         ON e.global_position = l.global_position
      ORDER BY l.merkle_index NULLS LAST, e.global_position`,
    [String(first), String(last)],
  );
  return rows;
}

/**
 * Of events inside a batch's span without a leaf of that batch (normally none; a few where the
 * reader's order interleaved two batches), those without any leaf: inserted (forged), or refused
 * by the sealer (with why).
 */
async function intrudersAmong(sql: SqlExecutor, positions: readonly string[]) {
  if (positions.length === 0) return [];
  const { rows } = await sql.query<{ global_position: string; event_id: string; refusal: string | null }>(
    `SELECT e.global_position::text AS global_position, e.event_id::text AS event_id, r.reason || ': ' || r.detail AS refusal
       FROM events e LEFT JOIN merkle_refused_events r ON r.event_id = e.event_id
      WHERE e.global_position = ANY($1::bigint[])
        AND NOT EXISTS (SELECT 1 FROM merkle_leaves l WHERE l.global_position = e.global_position)
      ORDER BY e.global_position`,
    [positions],
  );
  return rows;
}

/** The stored event a loadLeafEvents row joined (its event columns must be non-null): what its leaf hashes. */
export function storedLeafOf(row: LeafEventRow): StoredEventLeaf {
  return {
    merkleIndex: row.merkle_index,
    globalPosition: row.global_position!,
    streamId: row.stream_id!,
    streamPosition: row.stream_position!,
    eventId: row.event_id!,
    eventType: row.event_type!,
    schemaVersion: row.schema_version!,
    dataText: row.data_text!,
    metadataText: row.metadata_text!,
    recordedAt: row.recorded_at!,
  };
}

/** The leaf fields with data and metadata parsed (an inclusion proof's leaf, which its verifier re-canonicalises). */
export function leafInputOf(row: LeafEventRow): EventLeafFields {
  const { dataText, metadataText, ...fields } = storedLeafOf(row);
  return { ...fields, data: JSON.parse(dataText) as Record<string, unknown>, metadata: JSON.parse(metadataText) as Record<string, unknown> };
}

/**
 * verify-batch: re-derives the batch's leaves from the events as they are now, rebuilds the root
 * from the previous head's compact range, and checks root, signature, chain link and counts; also
 * that no event of the events table sits inside the batch's global-position range without a
 * leaf. Reads only; every finding is a failure naming the batch, merkle index and event where it
 * can. publicKeys defaults to loadPublicKeys(sql).
 */
export async function verifyBatch(
  sql: SqlExecutor,
  batchId: bigint | number | string,
  publicKeys?: PublicKeys,
): Promise<BatchVerification> {
  const id = String(batchId);
  const stored = await loadHead(sql, id);
  if (stored === null) {
    return { batchId: id, ok: false, leavesChecked: 0, failures: [{ reason: 'head_missing', batchId: id, detail: `no tree head for batch ${id}` }] };
  }
  const keys = publicKeys ?? (await loadPublicKeys(sql));
  const previousId = BigInt(id) - 1n;
  const previous = previousId >= 1n ? ((await loadHead(sql, previousId)) ?? 'missing') : null;
  return verifyLoadedBatch(sql, stored, previous, keys);
}

/** The global-position span [low, high] of a batch's leaves (events inside it without a leaf are intruders). */
interface BatchSpan {
  low: bigint;
  high: bigint;
}

/**
 * checkBatch over the batch's leaves read with their events, for a head (and previous head) the
 * caller has loaded, plus an unsealed_event_in_batch_range failure for each event inside the
 * batch's span without a leaf (found by the same read).
 */
export async function verifyLoadedBatch(
  sql: SqlExecutor,
  stored: CheckedHead,
  previous: CheckedHead | null | 'missing',
  keys: PublicKeys,
): Promise<BatchVerification> {
  const { head } = stored;
  const rows = head.lastIndex >= head.firstIndex ? await loadLeafTexts(sql, head.firstIndex, head.lastIndex) : [];
  const leaves = rows.filter((row): row is LeafRow => row.merkle_index !== null);
  const report = checkBatch({ head: stored, previous, leaves: leaves.map(batchLeaf), publicKeys: keys });
  if (leaves.length === 0) return report;
  let low = BigInt(leaves[0].leaf_global_position);
  let high = low;
  for (const row of leaves) {
    const position = BigInt(row.leaf_global_position);
    if (position < low) low = position;
    if (position > high) high = position;
  }
  const candidates = rows.filter((row) => row.merkle_index === null).map((row) => row.global_position!);
  const intruders = (await intrudersAmong(sql, candidates)).map((event) => intruderFailure(report.batchId, { low, high }, event));
  return intruders.length === 0 ? report : { ...report, ok: false, failures: [...report.failures, ...intruders] };
}

/** An event without a leaf inside a sealed batch's span, as the failure that batch reports. */
function intruderFailure(batchId: string, span: BatchSpan, event: { global_position: string; event_id: string; refusal: string | null }): VerificationFailure {
  return {
    reason: 'unsealed_event_in_batch_range', batchId, eventId: event.event_id, globalPosition: event.global_position,
    detail: `event at global position ${event.global_position} lies inside the batch's span [${span.low}, ${span.high}] but has no leaf`
      + (event.refusal === null ? '' : ` (refused by the sealer: ${event.refusal})`),
  };
}

/** A merkle_leaves row and the event now at its global position, as the pure check takes them. */
type LeafRow = LeafTextRow & { merkle_index: string; leaf_global_position: string; leaf_event_id: string; leaf_hash: string };

function batchLeaf(row: LeafRow): BatchLeaf {
  return {
    merkleIndex: Number(row.merkle_index),
    sealed: { leafHash: row.leaf_hash, eventId: row.leaf_event_id, globalPosition: row.leaf_global_position, batchId: row.leaf_batch_id },
    event: row.event_id === null || row.leaf_text === null ? null : { eventId: row.event_id, leafText: row.leaf_text },
  };
}
