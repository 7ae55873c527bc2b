import { createPublicKey } from 'node:crypto';
import type { SqlExecutor } from '@caracal/event-store';
import { canonicalNow, canonicalTimestamp, type PublicKeyInput } from '@caracal/merkle';
import type { CheckedHead } from './batch.check.js';
import { HEAD_COLUMNS, headFromRow, loadHead, loadPublicKeys, recordedAtTextSql, type StoredHead } from './merkle-heads.read.js';
import { verifyLoadedBatch, type PublicKeys } from './verify-batch.js';
import type { BatchVerification, RangeVerification, UnsealedEvent, VerificationFailure, RangeFailureReason } from './verification-report.js';

/** Event-time bounds, inclusive. A string is RFC 3339 (any offset, up to µs) or 'now'. */
export interface VerificationTimeRange {
  start: Date | string;
  end: Date | string;
}

export interface VerifyRangeOptions {
  /** Called after each batch: batches verified so far of the batches to verify (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
  /** Unsealed events and uncovered_event failures listed in the report (the first ones by position); default 100. */
  listLimit?: number;
  /** Events read per query of the event pass; default 5,000. */
  eventPageSize?: number;
  /** Batch ids looked up per query in merkle_heads; default 1,000. */
  batchPageSize?: number;
}

export const DEFAULT_LIST_LIMIT = 100;
const DEFAULT_EVENT_PAGE = 5000;
const DEFAULT_BATCH_PAGE = 1000;
/**
 * Batches in flight: while the next batches' events are read by the database (and parsed by the
 * driver as they arrive), the current one is hashed here, so the database and this process work
 * at the same time. The range's event pass runs beside them; each batch's read also finds its intruders.
 */
const BATCHES_IN_FLIGHT = 4;

/** A range bound as a canonical timestamp ('now': this instant). */
export function rangeBound(value: Date | string): string {
  return value === 'now' ? canonicalNow() : canonicalTimestamp(value);
}

/** An event of the range, classified in SQL (see RANGE_EVENT_STATUS). */
interface RangeEventRow extends Record<string, unknown> {
  global_position: string;
  event_id: string;
  recorded_at: string;
  merkle_index: string | null;
  batch_id: string | null;
  status: 'sealed' | 'unsealed' | 'headless' | 'no_leaf' | 'refused';
  refusal: string | null;
}

/** A page of the event pass: its size and end on every row, the event columns NULL on the row of a page with every event sealed. */
type PageRow = { page_count: string; page_end: string | null } & { [K in keyof RangeEventRow]: RangeEventRow[K] | null };

/**
 * sealed: its leaf's batch has a head; headless: its leaf's batch has none; refused: no leaf, the
 * sealer refused it (merkle_refused_events: its authentication tag failed); unsealed: a leaf in
 * the open batch, or no leaf and after every sealed event ($3 = last sealed global position);
 * no_leaf: no leaf although sealed events follow it.
 */
const RANGE_EVENT_STATUS = `CASE
    WHEN l.merkle_index IS NULL AND r.event_id IS NOT NULL THEN 'refused'
    WHEN l.batch_id IS NOT NULL THEN CASE WHEN h.batch_id IS NOT NULL THEN 'sealed' ELSE 'headless' END
    WHEN l.merkle_index IS NOT NULL OR $3::bigint IS NULL OR e.global_position > $3::bigint THEN 'unsealed'
    ELSE 'no_leaf' END`;

/**
 * One page of the range's events after global position $4. The page bound is repeated on the
 * leaves: without it PostgreSQL merge-joins merkle_leaves from its first row for every page
 * (quadratic: 800 ms a page at 1M events instead of 18 ms).
 */
const RANGE_EVENTS_PAGE = `FROM events e
    LEFT JOIN merkle_leaves l ON l.global_position = e.global_position AND l.global_position > $4::bigint
    LEFT JOIN merkle_heads h ON h.batch_id = l.batch_id
    LEFT JOIN merkle_refused_events r ON r.event_id = e.event_id
   WHERE e.recorded_at BETWEEN $1::timestamptz AND $2::timestamptz AND e.global_position > $4::bigint`;
/** Below every global position (the smallest bigint): the first page's bound. */
const BEFORE_EVERY_POSITION = '-9223372036854775808';

interface LogEnds {
  lastHead: bigint;
  lastSealedByState: bigint;
  lastSealedPosition: string | null;
}

async function loadLogEnds(sql: SqlExecutor): Promise<LogEnds> {
  const { rows: [log] } = await sql.query<{ last_head: string | null; next_batch_id: string | null; last_sealed_position: string | null }>(
    `SELECT (SELECT max(batch_id)::text FROM merkle_heads) AS last_head,
            (SELECT next_batch_id::text FROM merkle_state WHERE id) AS next_batch_id,
            (SELECT max(global_position)::text FROM merkle_leaves WHERE batch_id IS NOT NULL) AS last_sealed_position`,
  );
  return {
    lastHead: log.last_head === null ? 0n : BigInt(log.last_head),
    lastSealedByState: log.next_batch_id === null ? 0n : BigInt(log.next_batch_id) - 1n,
    lastSealedPosition: log.last_sealed_position,
  };
}

/**
 * The first and last batch id to verify: of the leaves of the range's events, and of the heads
 * whose first/last recorded_at overlap the range. Aggregated in the database: no event is loaded.
 */
async function batchSpan(sql: SqlExecutor, start: string, end: string): Promise<{ first: bigint; last: bigint } | null> {
  const { rows: [span] } = await sql.query<{ first: string | null; last: string | null }>(
    `SELECT min(b)::text AS first, max(b)::text AS last FROM (
       SELECT l.batch_id AS b FROM events e JOIN merkle_leaves l ON l.global_position = e.global_position
        WHERE e.recorded_at BETWEEN $1::timestamptz AND $2::timestamptz
       UNION ALL
       SELECT batch_id FROM merkle_heads
        WHERE first_recorded_at::timestamptz <= $2::timestamptz AND last_recorded_at::timestamptz >= $1::timestamptz
     ) ids`,
    [start, end],
  );
  return span.first === null || span.last === null ? null : { first: BigInt(span.first), last: BigInt(span.last) };
}

/** The heads of batch ids in [first, last] that have one, a page at a time. */
async function* existingHeads(sql: SqlExecutor, first: bigint, last: bigint, pageSize: number): AsyncGenerator<{ from: bigint; to: bigint; heads: Map<bigint, StoredHead> }> {
  for (let from = first; from <= last; from += BigInt(pageSize)) {
    const to = from + BigInt(pageSize) - 1n < last ? from + BigInt(pageSize) - 1n : last;
    const { rows } = await sql.query<Parameters<typeof headFromRow>[0]>(
      `SELECT ${HEAD_COLUMNS} FROM merkle_heads h WHERE h.batch_id BETWEEN $1 AND $2`,
      [from.toString(), to.toString()],
    );
    yield { from, to, heads: new Map(rows.map((row) => [BigInt(row.batch_id), headFromRow(row)])) };
  }
}

/**
 * verify-range: every sealed batch holding an event whose recorded_at is in [start, end] (or whose
 * head's first/last recorded_at overlap it), with batch ids contiguous from the first to the last
 * of them (a gap is a deleted batch: `batch_missing`), each verified with verifyBatch (which checks
 * the chain link and indexes to the previous head), and every event of the range covered by a
 * sealed batch. Events not sealed yet (in the open batch, or not indexed yet and after every sealed
 * event) are counted and listed in `unsealed`, not as failures; an event without a leaf before the
 * last sealed event, or whose batch has no head, is an `uncovered_event` failure. Reads only.
 *
 * Bounded memory at any log size: batch ids are looked up a page at a time, the events of the
 * range are read in pages by global position, and only the first `listLimit` unsealed events and
 * uncovered_event failures are listed (`truncated`); the totals count them all. What grows with
 * the range is one BatchVerification per batch.
 */
export async function verifyRange(
  sql: SqlExecutor,
  range: VerificationTimeRange,
  publicKeys?: PublicKeys,
  options: VerifyRangeOptions = {},
): Promise<RangeVerification> {
  const start = rangeBound(range.start);
  const end = rangeBound(range.end);
  if (start > end) throw new RangeError(`start ${start} is after end ${end}`);
  const listLimit = options.listLimit ?? DEFAULT_LIST_LIMIT;
  const keys = parsedOnce(publicKeys ?? (await loadPublicKeys(sql)));
  const log = await loadLogEnds(sql);
  const span = await batchSpan(sql, start, end);

  const eventPageSize = options.eventPageSize ?? DEFAULT_EVENT_PAGE;
  // Beside the batches: the range's events (the database scans them while this process hashes).
  const eventsDone = eventPass(sql, start, end, log.lastSealedPosition, listLimit, eventPageSize);
  eventsDone.catch(() => undefined); // awaited below; not unhandled while the batches run

  const missing: string[] = [];
  const batches: BatchVerification[] = [];
  if (span !== null) {
    const { rows: [{ n }] } = await sql.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM merkle_heads WHERE batch_id BETWEEN $1 AND $2',
      [span.first.toString(), span.last.toString()],
    );
    const total = Number(n);
    // The head before the first batch: its chain link and compact range start the first batch.
    let previous: CheckedHead | null | 'missing' = span.first === 1n ? null : ((await loadHead(sql, span.first - 1n)) ?? 'missing');
    for await (const page of existingHeads(sql, span.first, span.last, options.batchPageSize ?? DEFAULT_BATCH_PAGE)) {
      const toVerify: { head: StoredHead; previous: CheckedHead | null | 'missing' }[] = [];
      for (let id = page.from; id <= page.to; id++) {
        const head = page.heads.get(id);
        if (head === undefined) {
          missing.push(id.toString());
          previous = 'missing';
        } else {
          toVerify.push({ head, previous });
          previous = head;
        }
      }
      await verifyInOrder(toVerify, (batch) => verifyLoadedBatch(sql, batch.head, batch.previous, keys), (report) => {
        batches.push(report);
        options.onProgress?.(batches.length, total);
      });
    }
  }
  // Heads deleted at the end of the log leave no gap: the sealer's state still counts them.
  if (log.lastSealedByState > log.lastHead && (span === null || span.last === log.lastHead)) {
    for (let id = log.lastHead + 1n; id <= log.lastSealedByState; id++) missing.push(id.toString());
  }
  const failures: VerificationFailure<RangeFailureReason>[] = missing.map((id) => ({
    reason: 'batch_missing', batchId: id, detail: `batch ${id} and its head are missing: the chain has a gap`,
  }));

  const events = await eventsDone;
  failures.push(...events.uncovered);

  const batchesFailed = batches.filter((batch) => !batch.ok).length;
  const failureCount = missing.length + events.uncoveredCount + events.refusedCount + batches.reduce((count, batch) => count + batch.failures.length, 0);
  return {
    start,
    end,
    ok: failureCount === 0,
    batches,
    failures,
    unsealed: events.unsealed,
    truncated: events.unsealed.length < events.unsealedCount || events.uncovered.length < events.uncoveredCount + events.refusedCount,
    uncoveredEvents: events.uncoveredCount,
    refusedEvents: events.refusedCount,
    totals: {
      batches: batches.length,
      batchesOk: batches.length - batchesFailed,
      batchesFailed,
      missingBatches: missing.length,
      events: events.count,
      sealedEvents: events.sealedCount,
      unsealedEvents: events.unsealedCount,
      failures: failureCount,
    },
  };
}

/**
 * PEM keys parsed once for the whole range instead of once per head. A key that does not parse
 * stays text, so each head signed with it still fails as bad_signature in its own batch.
 */
function parsedOnce(keys: PublicKeys): PublicKeys {
  return new Map([...keys].map(([keyId, key]): [string, PublicKeyInput] => {
    if (typeof key !== 'string') return [keyId, key];
    try {
      return [keyId, createPublicKey(key)];
    } catch {
      return [keyId, key];
    }
  }));
}

/** Runs `verify` over `items` with BATCHES_IN_FLIGHT in flight, handing the results over in order. */
async function verifyInOrder<T, R>(
  items: readonly T[],
  verify: (item: T) => Promise<R>,
  onResult: (result: R) => void,
): Promise<void> {
  const inFlight: Promise<R>[] = [];
  let next = 0;
  try {
    while (next < items.length || inFlight.length > 0) {
      while (next < items.length && inFlight.length < BATCHES_IN_FLIGHT) {
        const verification = verify(items[next++]);
        // Handled here so a later call failing while an earlier one is awaited is not an unhandled rejection.
        verification.catch(() => undefined);
        inFlight.push(verification);
      }
      onResult(await inFlight.shift()!);
    }
  } catch (error) {
    // The calls still in flight finish before the first error is reported: no query outlives the call.
    await Promise.allSettled(inFlight);
    throw error;
  }
}

interface EventPass {
  count: number;
  sealedCount: number;
  unsealedCount: number;
  uncoveredCount: number;
  refusedCount: number;
  unsealed: UnsealedEvent[];
  uncovered: VerificationFailure<RangeFailureReason>[];
}

/** Every event of the range, in pages by global position: counted by status, the first few listed. */
async function eventPass(
  sql: SqlExecutor,
  start: string,
  end: string,
  lastSealedPosition: string | null,
  listLimit: number,
  pageSize: number,
): Promise<EventPass> {
  const pass: EventPass = { count: 0, sealedCount: 0, unsealedCount: 0, uncoveredCount: 0, refusedCount: 0, unsealed: [], uncovered: [] };
  let after = BEFORE_EVERY_POSITION;
  for (;;) {
    // Sealed events (nearly all) are only counted, in the database: a page answers its size, its
    // last position and only the events that are not sealed (or one row of NULLs when all are).
    const { rows } = await sql.query<PageRow>(
      `WITH page AS MATERIALIZED (
         SELECT e.global_position, e.event_id, e.recorded_at, l.merkle_index, l.batch_id, ${RANGE_EVENT_STATUS} AS status,
                r.reason || ': ' || r.detail AS refusal
           ${RANGE_EVENTS_PAGE}
          ORDER BY e.global_position LIMIT $5
       ), stats AS (SELECT count(*) AS n, max(global_position) AS last FROM page)
       SELECT s.n::text AS page_count, s.last::text AS page_end, p.global_position::text AS global_position, p.event_id::text AS event_id,
              ${recordedAtTextSql('p.recorded_at')} AS recorded_at, p.merkle_index::text AS merkle_index, p.batch_id::text AS batch_id,
              p.status, p.refusal
         FROM stats s LEFT JOIN page p ON p.status <> 'sealed'
        ORDER BY p.global_position`,
      [start, end, lastSealedPosition, after, pageSize],
    );
    const count = Number(rows[0].page_count);
    let notSealed = 0;
    for (const event of rows) {
      if (event.global_position === null) continue;
      notSealed++;
      classify(pass, event as RangeEventRow, lastSealedPosition, listLimit);
    }
    pass.sealedCount += count - notSealed;
    pass.count += count;
    if (count < pageSize) return pass;
    after = rows[0].page_end as string;
  }
}

function classify(pass: EventPass, event: RangeEventRow, lastSealedPosition: string | null, listLimit: number): void {
  const merkleIndex = event.merkle_index === null ? null : Number(event.merkle_index);
  switch (event.status) {
    case 'sealed':
      return; // counted by the page
    case 'unsealed':
      if (pass.unsealedCount++ < listLimit) {
        pass.unsealed.push({ eventId: event.event_id, globalPosition: event.global_position, recordedAt: event.recorded_at, merkleIndex });
      }
      return;
    case 'headless':
      if (pass.uncoveredCount++ < listLimit) {
        pass.uncovered.push({
          reason: 'uncovered_event', batchId: event.batch_id!, merkleIndex: merkleIndex ?? undefined, eventId: event.event_id,
          globalPosition: event.global_position, detail: `its batch ${event.batch_id} has no head`,
        });
      }
      return;
    case 'refused':
      if (pass.refusedCount++ < listLimit) {
        pass.uncovered.push({
          reason: 'event_refused', eventId: event.event_id, globalPosition: event.global_position,
          detail: `the sealer refused it (${event.refusal}): it is in no batch`,
        });
      }
      return;
    case 'no_leaf':
      if (pass.uncoveredCount++ < listLimit) {
        pass.uncovered.push({
          reason: 'uncovered_event', eventId: event.event_id, globalPosition: event.global_position,
          detail: `no leaf, though sealed events follow it (up to global position ${lastSealedPosition})`,
        });
      }
  }
}
