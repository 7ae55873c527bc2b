import type { SqlExecutor } from '../../event-store/src/index.js';
import {
  CompactRange, eventLeafHash, headHash, toHex, verifyTreeHeadSignature, type PublicKeyInput,
} from '../../merkle/src/index.js';
import { loadHead, loadPublicKeys, recordedAtTextSql, type StoredHead } from './merkle-heads.read.js';
import type { BatchVerification, VerificationFailure } from './verification-report.js';

/** Key id → public key (SPKI PEM or KeyObject), e.g. from loadPublicKeys(). */
export type PublicKeys = ReadonlyMap<string, PublicKeyInput>;

interface LeafEventRow extends Record<string, unknown> {
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
  data: string | null;
  metadata: string | null;
  recorded_at: string | null;
}

/**
 * The leaves [first, last] with the events they stand for, looked up by global position in the
 * events table as it is now (recorded_at as text with microseconds, like the sealer).
 */
async function loadLeafEvents(sql: SqlExecutor, first: number, last: number): Promise<LeafEventRow[]> {
  const { rows } = await sql.query<LeafEventRow>(
    `SELECT l.merkle_index::text AS merkle_index, l.global_position::text AS leaf_global_position, l.event_id::text AS leaf_event_id,
            encode(l.leaf_hash, 'hex') AS leaf_hash, l.batch_id::text AS leaf_batch_id,
            e.global_position::text AS global_position, e.stream_id, e.stream_position::text AS stream_position,
            e.event_id::text AS event_id, e.event_type, e.schema_version, e.data::text AS data, e.metadata::text AS metadata,
            ${recordedAtTextSql('e.recorded_at')} AS recorded_at
       FROM merkle_leaves l LEFT JOIN events e ON e.global_position = l.global_position
      WHERE l.merkle_index BETWEEN $1 AND $2
      ORDER BY l.merkle_index`,
    [String(first), String(last)],
  );
  return rows;
}

function recomputeLeaf(row: LeafEventRow): Buffer {
  return eventLeafHash({
    merkleIndex: row.merkle_index,
    globalPosition: row.global_position!,
    streamId: row.stream_id!,
    streamPosition: row.stream_position!,
    eventId: row.event_id!,
    eventType: row.event_type!,
    schemaVersion: row.schema_version!,
    data: JSON.parse(row.data!) as Record<string, unknown>,
    metadata: JSON.parse(row.metadata!) as Record<string, unknown>,
    recordedAt: row.recorded_at!,
  });
}

function checkSignature(stored: StoredHead, publicKeys: PublicKeys, failures: VerificationFailure[]): void {
  const batchId = stored.head.batchId;
  try {
    const check = verifyTreeHeadSignature(stored.head, stored.signature, publicKeys as Map<string, PublicKeyInput>);
    if (check.ok) return;
    failures.push({
      reason: check.reason === 'unknown_key' ? 'unknown_key' : 'bad_signature',
      batchId,
      actual: check.keyId,
      detail: check.reason === 'unknown_key' ? `key ${check.keyId} is not a registered public key` : `signature check failed: ${check.reason}`,
    });
  } catch (error) {
    failures.push({ reason: 'bad_signature', batchId, actual: stored.head.keyId, detail: (error as Error).message });
  }
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
  const failures: VerificationFailure[] = [];
  const done = (leavesChecked: number): BatchVerification => ({ batchId: id, ok: failures.length === 0, leavesChecked, failures });

  const stored = await loadHead(sql, id);
  if (stored === null) {
    failures.push({ reason: 'head_missing', batchId: id, detail: `no tree head for batch ${id}` });
    return done(0);
  }
  const { head } = stored;
  const keys = publicKeys ?? (await loadPublicKeys(sql));

  // Previous head: the chain link and the compact range the batch continues.
  const previousId = BigInt(id) - 1n;
  const previous = previousId >= 1n ? await loadHead(sql, previousId) : null;
  const previousMissing = previousId >= 1n && previous === null;
  if (previousMissing) {
    failures.push({ reason: 'head_missing', batchId: previousId.toString(), detail: `the previous head (batch ${previousId}) is missing: chain and root not checkable` });
  } else {
    const expectedLink = previous === null ? null : headHash(previous.head);
    if (head.previousHeadHash !== expectedLink) {
      failures.push({ reason: 'chain_broken', batchId: id, expected: String(expectedLink), actual: String(head.previousHeadHash), detail: 'previousHeadHash ≠ headHash(previous head)' });
    }
    const expectedFirst = previous === null ? 0 : previous.head.lastIndex + 1;
    if (head.firstIndex !== expectedFirst) {
      failures.push({ reason: 'count_mismatch', batchId: id, expected: String(expectedFirst), actual: String(head.firstIndex), detail: 'firstIndex ≠ previous lastIndex + 1' });
    }
  }
  if (stored.headHash !== headHash(head)) {
    failures.push({ reason: 'chain_broken', batchId: id, expected: headHash(head), actual: stored.headHash, detail: 'stored head_hash ≠ headHash(head)' });
  }
  if (head.treeSize !== head.lastIndex + 1) {
    failures.push({ reason: 'count_mismatch', batchId: id, expected: String(head.lastIndex + 1), actual: String(head.treeSize), detail: 'treeSize ≠ lastIndex + 1' });
  }
  checkSignature(stored, keys, failures);

  // Leaves re-derived from the events table.
  const expectedLeaves = head.lastIndex - head.firstIndex + 1;
  const rows = expectedLeaves > 0 ? await loadLeafEvents(sql, head.firstIndex, head.lastIndex) : [];
  let complete = rows.length === expectedLeaves;
  if (!complete) {
    const present = new Set(rows.map((row) => Number(row.merkle_index)));
    const missing = [];
    for (let i = head.firstIndex; i <= head.lastIndex && missing.length < 20; i++) if (!present.has(i)) missing.push(i);
    failures.push({
      reason: 'count_mismatch', batchId: id, merkleIndex: missing[0], expected: String(expectedLeaves), actual: String(rows.length),
      detail: `merkle_leaves holds ${rows.length} of the batch's ${expectedLeaves} leaves; missing indexes ${missing.join(', ')}`,
    });
  }
  const hashes: Buffer[] = [];
  for (const row of rows) {
    const merkleIndex = Number(row.merkle_index);
    if (row.leaf_batch_id !== id) {
      failures.push({ reason: 'count_mismatch', batchId: id, merkleIndex, eventId: row.leaf_event_id, expected: id, actual: String(row.leaf_batch_id), detail: "the leaf's batch_id" });
    }
    if (row.global_position === null) {
      failures.push({
        reason: 'event_missing', batchId: id, merkleIndex, eventId: row.leaf_event_id, globalPosition: row.leaf_global_position,
        detail: `no event at global position ${row.leaf_global_position}`,
      });
      complete = false;
      continue;
    }
    let recomputed: Buffer;
    try {
      recomputed = recomputeLeaf(row);
    } catch (error) {
      failures.push({
        reason: 'leaf_mismatch', batchId: id, merkleIndex, eventId: row.leaf_event_id, globalPosition: row.leaf_global_position,
        detail: `the event cannot be turned into a leaf: ${(error as Error).message}`,
      });
      complete = false;
      continue;
    }
    hashes.push(recomputed);
    const actual = toHex(recomputed);
    if (actual !== row.leaf_hash || row.event_id !== row.leaf_event_id) {
      failures.push({
        reason: 'leaf_mismatch', batchId: id, merkleIndex, eventId: row.leaf_event_id, globalPosition: row.leaf_global_position,
        expected: row.leaf_hash, actual,
        detail: row.event_id === row.leaf_event_id
          ? 'the event differs from the one sealed'
          : `global position ${row.leaf_global_position} now holds event ${row.event_id}, sealed as event ${row.leaf_event_id}`,
      });
    }
  }

  // The root of the whole log at treeSize, from the previous head's compact range (O(batch + log n)).
  if (complete && !previousMissing) {
    try {
      const start = previous === null ? CompactRange.empty() : CompactRange.deserialize(previous.head.compactRange);
      const range = start.appendAll(hashes);
      const root = toHex(range.root());
      if (root !== head.rootHash) {
        failures.push({ reason: 'root_mismatch', batchId: id, expected: head.rootHash, actual: root, detail: 'root rebuilt from the events ≠ signed rootHash' });
      } else if (JSON.stringify(range.serialize()) !== JSON.stringify(head.compactRange)) {
        failures.push({ reason: 'root_mismatch', batchId: id, expected: JSON.stringify(head.compactRange), actual: JSON.stringify(range.serialize()), detail: 'compact range' });
      }
    } catch (error) {
      failures.push({ reason: 'root_mismatch', batchId: id, detail: `the previous head's compact range is unusable: ${(error as Error).message}` });
    }
  }
  // Otherwise the root is not rebuildable (leaves or events missing): those failures are reported above.

  // Events inside the batch's global-position span that have no leaf at all: inserted (forged).
  if (rows.length > 0) {
    const positions = rows.map((row) => BigInt(row.leaf_global_position));
    const low = positions.reduce((a, b) => (b < a ? b : a));
    const high = positions.reduce((a, b) => (b > a ? b : a));
    const { rows: intruders } = await sql.query<{ global_position: string; event_id: string }>(
      `SELECT e.global_position::text AS global_position, e.event_id::text AS event_id FROM events e
        WHERE e.global_position BETWEEN $1 AND $2
          AND NOT EXISTS (SELECT 1 FROM merkle_leaves l WHERE l.global_position = e.global_position)
        ORDER BY e.global_position`,
      [low.toString(), high.toString()],
    );
    for (const event of intruders) {
      failures.push({
        reason: 'unsealed_event_in_batch_range', batchId: id, eventId: event.event_id, globalPosition: event.global_position,
        detail: `event at global position ${event.global_position} lies inside the batch's span [${low}, ${high}] but has no leaf`,
      });
    }
  }
  return done(rows.length);
}
