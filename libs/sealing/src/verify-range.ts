import type { SqlExecutor } from '../../event-store/src/index.js';
import { canonicalTimestamp } from '../../merkle/src/index.js';
import { loadPublicKeys, recordedAtTextSql } from './merkle-heads.read.js';
import { verifyBatch, type PublicKeys } from './verify-batch.js';
import type { BatchVerification, RangeVerification, UnsealedEvent, VerificationFailure, RangeFailureReason } from './verification-report.js';

/** Event-time bounds, inclusive. A string is RFC 3339 (any offset, up to µs) or 'now'. */
export interface VerificationTimeRange {
  start: Date | string;
  end: Date | string;
}

export interface VerifyRangeOptions {
  /** Called after each batch: batches verified so far of the total (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

function bound(value: Date | string): string {
  return canonicalTimestamp(value === 'now' ? new Date() : value);
}

interface RangeEventRow extends Record<string, unknown> {
  global_position: string;
  event_id: string;
  recorded_at: string;
  merkle_index: string | null;
  batch_id: string | null;
}

/**
 * verify-range: every sealed batch holding an event whose recorded_at is in [start, end] (or whose
 * head's first/last recorded_at overlap it), with batch ids contiguous from the first to the last
 * of them (a gap is a deleted batch: `batch_missing`), each verified with verifyBatch (which checks
 * the chain link and indexes to the previous head), and every event of the range covered by a
 * sealed batch. Events not sealed yet (in the open batch, or not indexed yet and after every sealed
 * event) are listed in `unsealed`, not as failures; an event without a leaf before the last sealed
 * event is an `uncovered_event` failure. Reads only.
 */
export async function verifyRange(
  sql: SqlExecutor,
  range: VerificationTimeRange,
  publicKeys?: PublicKeys,
  options: VerifyRangeOptions = {},
): Promise<RangeVerification> {
  const start = bound(range.start);
  const end = bound(range.end);
  if (start > end) throw new RangeError(`start ${start} is after end ${end}`);
  const keys = publicKeys ?? (await loadPublicKeys(sql));
  const failures: VerificationFailure<RangeFailureReason>[] = [];

  const { rows: events } = await sql.query<RangeEventRow>(
    `SELECT e.global_position::text AS global_position, e.event_id::text AS event_id, ${recordedAtTextSql('e.recorded_at')} AS recorded_at,
            l.merkle_index::text AS merkle_index, l.batch_id::text AS batch_id
       FROM events e LEFT JOIN merkle_leaves l ON l.global_position = e.global_position
      WHERE e.recorded_at BETWEEN $1::timestamptz AND $2::timestamptz
      ORDER BY e.global_position`,
    [start, end],
  );
  const { rows: overlapping } = await sql.query<{ batch_id: string }>(
    `SELECT batch_id::text AS batch_id FROM merkle_heads
      WHERE first_recorded_at::timestamptz <= $2::timestamptz AND last_recorded_at::timestamptz >= $1::timestamptz`,
    [start, end],
  );
  const { rows: [log] } = await sql.query<{ last_head: string | null; next_batch_id: string | null; last_sealed_position: string | null }>(
    `SELECT (SELECT max(batch_id)::text FROM merkle_heads) AS last_head,
            (SELECT next_batch_id::text FROM merkle_state WHERE id) AS next_batch_id,
            (SELECT max(global_position)::text FROM merkle_leaves WHERE batch_id IS NOT NULL) AS last_sealed_position`,
  );

  const ids = new Set<bigint>();
  for (const event of events) if (event.batch_id !== null) ids.add(BigInt(event.batch_id));
  for (const row of overlapping) ids.add(BigInt(row.batch_id));
  const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const existing = new Set<string>();
  if (sorted.length > 0) {
    const { rows } = await sql.query<{ batch_id: string }>(
      'SELECT batch_id::text AS batch_id FROM merkle_heads WHERE batch_id BETWEEN $1 AND $2',
      [sorted[0].toString(), sorted[sorted.length - 1].toString()],
    );
    for (const row of rows) existing.add(row.batch_id);
  }
  const toVerify: string[] = [];
  const missing: string[] = [];
  if (sorted.length > 0) {
    for (let id = sorted[0]; id <= sorted[sorted.length - 1]; id++) (existing.has(id.toString()) ? toVerify : missing).push(id.toString());
  }
  // Heads deleted at the end of the log leave no gap: the sealer's state still counts them.
  const lastHead = log.last_head === null ? 0n : BigInt(log.last_head);
  const lastSealedByState = log.next_batch_id === null ? 0n : BigInt(log.next_batch_id) - 1n;
  if (lastSealedByState > lastHead && (sorted.length === 0 || sorted[sorted.length - 1] === lastHead)) {
    for (let id = lastHead + 1n; id <= lastSealedByState; id++) missing.push(id.toString());
  }
  for (const id of missing) failures.push({ reason: 'batch_missing', batchId: id, detail: `batch ${id} and its head are missing: the chain has a gap` });

  const batches: BatchVerification[] = [];
  for (const id of toVerify) {
    batches.push(await verifyBatch(sql, id, keys));
    options.onProgress?.(batches.length, toVerify.length);
  }

  const lastSealedPosition = log.last_sealed_position === null ? null : BigInt(log.last_sealed_position);
  const unsealed: UnsealedEvent[] = [];
  let sealedEvents = 0;
  for (const event of events) {
    const merkleIndex = event.merkle_index === null ? null : Number(event.merkle_index);
    if (event.batch_id !== null) {
      if (existing.has(event.batch_id)) sealedEvents++;
      else failures.push({ reason: 'uncovered_event', batchId: event.batch_id, merkleIndex: merkleIndex ?? undefined, eventId: event.event_id, globalPosition: event.global_position, detail: `its batch ${event.batch_id} has no head` });
    } else if (merkleIndex !== null || lastSealedPosition === null || BigInt(event.global_position) > lastSealedPosition) {
      unsealed.push({ eventId: event.event_id, globalPosition: event.global_position, recordedAt: event.recorded_at, merkleIndex });
    } else {
      failures.push({
        reason: 'uncovered_event', eventId: event.event_id, globalPosition: event.global_position,
        detail: `no leaf, though sealed events follow it (up to global position ${lastSealedPosition})`,
      });
    }
  }

  const batchesFailed = batches.filter((batch) => !batch.ok).length;
  const failureCount = failures.length + batches.reduce((n, batch) => n + batch.failures.length, 0);
  return {
    start,
    end,
    ok: failureCount === 0,
    batches,
    failures,
    unsealed,
    totals: {
      batches: batches.length,
      batchesOk: batches.length - batchesFailed,
      batchesFailed,
      missingBatches: missing.length,
      events: events.length,
      sealedEvents,
      unsealedEvents: unsealed.length,
      failures: failureCount,
    },
  };
}
