import { createPublicKey } from 'node:crypto';
import type { SqlExecutor } from '@caracal/event-store';
import { canonicalNow, canonicalTimestamp, storedLeafHashHex, type PublicKeyInput, type StoredEventLeaf } from '@caracal/merkle';
import { checkBatch, type BatchLeaf, type CheckedHead } from './batch.check.js';
import { HEAD_COLUMNS, headFromRow, loadHead, loadPublicKeys, recordedAtTextSql, type StoredHead } from './merkle-heads.read.js';
import { verifyLoadedBatch, type PublicKeys } from './verify-batch.js';
import type { BatchVerification, RangeVerification, UnsealedEvent, VerificationFailure, RangeFailureReason } from './verification-report.js';
import { sealedLeafSql } from './sealed-leaf.sql.js';

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
/** Chunk queries of the log scan in flight: the database reads the next while this process hashes one. */
const CHUNKS_IN_FLIGHT = 2;
/** A batch still incomplete once the scan has collected leaves of a batch this much further is verified on its own. */
const BATCH_LAG = 8n;
/** Batches the scan holds the hashed leaves of at most, ahead of verifyRange (memory bound). */
const MAX_PENDING = 64;

/** A range bound as a canonical timestamp ('now': this instant). */
export function rangeBound(value: Date | string): string {
  return value === 'now' ? canonicalNow() : canonicalTimestamp(value);
}

/** An event of the range that is not sealed, classified in SQL (see RANGE_EVENT_STATUS). */
interface RangeEventRow {
  global_position: string;
  event_id: string;
  recorded_at: string;
  merkle_index: string | null;
  batch_id: string | null;
  status: 'sealed' | 'unsealed' | 'headless' | 'no_leaf' | 'refused';
  refusal: string | null;
}

/**
 * sealed: its leaf's batch has a head; headless: its leaf's batch was sealed ($8 = the last batch
 * the sealer's state counts as sealed) but has no head; refused: no leaf, the sealer refused it
 * (merkle_refused_events: its authentication tag failed); unsealed: a leaf in the open batch, or
 * no leaf and after every sealed event ($3 = last sealed global position); no_leaf: no leaf
 * although sealed events follow it.
 */
const RANGE_EVENT_STATUS = `CASE
    WHEN l.merkle_index IS NULL AND r.event_id IS NOT NULL THEN 'refused'
    WHEN h.batch_id IS NOT NULL THEN 'sealed'
    WHEN l.batch_id <= $8::bigint THEN 'headless'
    WHEN l.merkle_index IS NOT NULL OR $3::bigint IS NULL OR e.global_position > $3::bigint THEN 'unsealed'
    ELSE 'no_leaf' END`;

/**
 * One chunk of the log, global positions ($4, $5], read once in position order for everything
 * verify-range needs of it (docs/benchmarks.md, "Merkle"): each event with its leaf (merge of the
 * two primary-key/unique indexes on global_position), and
 *  - s: its status when its recorded_at is in the range [$1, $2] (NULL outside it: read only for
 *    the batches and intruders below);
 *  - merkleIndex, b, h: its leaf's merkle index, batch and, for a leaf of a batch being verified
 *    ($6..$7), its stored hash;
 *  - the event's columns a leaf frames (named as StoredEventLeaf's fields): the leaf text is built
 *    and hashed here (storedLeafHashHex), from the same column text the database would frame
 *    (storedLeafTextSql, which verify-batch still uses): the database only reads the row, as a
 *    plain read of the events does (its framing cost ~1.5 µs per event, more than the read);
 *  - m: the sealed event id when another event now holds its global position;
 *  - refusal: the sealer's refusal of an event without a leaf.
 * Rows without a leaf are read inside sealed batches' spans too (≤ $3, candidate intruders);
 * events outside the range in no batch being verified are not returned.
 * Rows come in no particular order (no sort of the wide rows in the database: it spilled to disk
 * at 5,000 rows); the few that need an order are sorted here. The chunk bound is repeated on the
 * leaves: without it PostgreSQL merge-joins merkle_leaves from its first row for every chunk. No per-row subquery: its cost estimate made PostgreSQL
 * JIT-compile such queries (5x slower).
 */
const CHUNK = `SELECT e.global_position::text AS "globalPosition", l.merkle_index::text AS "merkleIndex", l.batch_id::text AS b,
       CASE WHEN l.batch_id BETWEEN $6::bigint AND $7::bigint THEN encode(l.leaf_hash, 'hex') END AS h,
       CASE WHEN l.event_id <> e.event_id THEN l.event_id::text END AS m,
       CASE WHEN e.recorded_at BETWEEN $1::timestamptz AND $2::timestamptz THEN ${RANGE_EVENT_STATUS} END AS s,
       e.event_id::text AS "eventId", e.stream_id AS "streamId", e.stream_position::text AS "streamPosition", e.event_type AS "eventType",
       e.schema_version AS "schemaVersion", e.data_text AS "dataText", e.metadata_text AS "metadataText",
       ${recordedAtTextSql('e.recorded_at')} AS "recordedAt", r.reason || ': ' || r.detail AS refusal
  FROM events e
  LEFT JOIN merkle_leaves l ON l.global_position = e.global_position AND l.global_position > $4::bigint AND l.global_position <= $5::bigint
  LEFT JOIN merkle_heads h ON h.batch_id = l.batch_id
  LEFT JOIN merkle_refused_events r ON r.event_id = e.event_id
 WHERE e.global_position > $4::bigint AND e.global_position <= $5::bigint
   AND (e.recorded_at BETWEEN $1::timestamptz AND $2::timestamptz OR l.batch_id BETWEEN $6::bigint AND $7::bigint
        OR (l.merkle_index IS NULL AND e.global_position <= $3::bigint))`;

/** A row of CHUNK: the event's columns as StoredEventLeaf (merkleIndex null: no leaf). */
interface ChunkRow extends Omit<StoredEventLeaf, 'merkleIndex'>, Record<string, unknown> {
  merkleIndex: string | null;
  b: string | null;
  h: string | null;
  m: string | null;
  s: RangeEventRow['status'] | null;
  refusal: string | null;
}

interface LogEnds {
  lastHead: bigint;
  lastSealedByState: bigint;
  lastSealedPosition: string | null;
}

async function loadLogEnds(sql: SqlExecutor): Promise<LogEnds> {
  const { rows: [log] } = await sql.query<{ last_head: string | null; next_batch_id: string | null; last_sealed_position: string | null }>(
    `SELECT (SELECT max(batch_id)::text FROM merkle_heads) AS last_head,
            (SELECT next_batch_id::text FROM merkle_state WHERE id) AS next_batch_id,
            (SELECT max(global_position)::text FROM merkle_leaves l WHERE ${sealedLeafSql('l')}) AS last_sealed_position`,
  );
  return {
    lastHead: log.last_head === null ? 0n : BigInt(log.last_head),
    lastSealedByState: log.next_batch_id === null ? 0n : BigInt(log.next_batch_id) - 1n,
    lastSealedPosition: log.last_sealed_position,
  };
}

/**
 * The first and last batch id to verify: of the leaves of the range's events in sealed batches
 * (the open batch's leaves carry its id too), and of the heads whose first/last recorded_at
 * overlap the range. Aggregated in the database: no event is loaded.
 */
async function batchSpan(sql: SqlExecutor, start: string, end: string, lastSealed: bigint): Promise<{ first: bigint; last: bigint } | null> {
  const { rows: [span] } = await sql.query<{ first: string | null; last: string | null }>(
    `SELECT min(b)::text AS first, max(b)::text AS last FROM (
       SELECT l.batch_id AS b FROM events e JOIN merkle_leaves l ON l.global_position = e.global_position
        WHERE e.recorded_at BETWEEN $1::timestamptz AND $2::timestamptz AND l.batch_id <= $3::bigint
       UNION ALL
       SELECT batch_id FROM merkle_heads
        WHERE first_recorded_at::timestamptz <= $2::timestamptz AND last_recorded_at::timestamptz >= $1::timestamptz
     ) ids`,
    [start, end, lastSealed.toString()],
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
  const span = await batchSpan(sql, start, end, log.lastSealedByState);

  // One scan of the log in position order (beside the batches below): counts the range's events
  // and hashes the leaves of the batches to verify as the pages arrive.
  const scan = new LogScan(sql, {
    start, end, span, lastSealedPosition: log.lastSealedPosition, lastSealedBatch: log.lastSealedByState, listLimit, chunk: options.eventPageSize ?? DEFAULT_EVENT_PAGE,
  });
  const scanned = scan.run();
  scanned.catch(() => undefined); // awaited below; not unhandled while the batches run

  const missing: string[] = [];
  const batches: BatchVerification[] = [];
  try {
    if (span !== null) {
      const { rows: [{ n }] } = await sql.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM merkle_heads WHERE batch_id BETWEEN $1 AND $2',
        [span.first.toString(), span.last.toString()],
      );
      const total = Number(n);
      // The head before the first batch: its chain link and compact range start the first batch.
      let previous: CheckedHead | null | 'missing' = span.first === 1n ? null : ((await loadHead(sql, span.first - 1n)) ?? 'missing');
      for await (const page of existingHeads(sql, span.first, span.last, options.batchPageSize ?? DEFAULT_BATCH_PAGE)) {
        for (let id = page.from; id <= page.to; id++) {
          const head = page.heads.get(id);
          if (head === undefined) {
            missing.push(id.toString());
            previous = 'missing';
            scan.passed(id + 1n);
            continue;
          }
          const collected = await scan.take(id, head.head.lastIndex - head.head.firstIndex + 1);
          batches.push(await verifyCollected(sql, head, previous, keys, collected));
          options.onProgress?.(batches.length, total);
          previous = head;
        }
      }
    }
  } catch (error) {
    scan.stop();
    await scanned.catch(() => undefined); // no query outlives the call
    throw error;
  }
  scan.passed(null); // the scan no longer waits for the batches
  // Heads deleted at the end of the log leave no gap: the sealer's state still counts them.
  if (log.lastSealedByState > log.lastHead && (span === null || span.last === log.lastHead)) {
    for (let id = log.lastHead + 1n; id <= log.lastSealedByState; id++) missing.push(id.toString());
  }
  const failures: VerificationFailure<RangeFailureReason>[] = missing.map((id) => ({
    reason: 'batch_missing', batchId: id, detail: `batch ${id} and its head are missing: the chain has a gap`,
  }));

  const events = await scanned;
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
 * A batch from the leaves the scan hashed: checkBatch over them when they are all there, in
 * order, each with the event it was sealed as, and no event without a leaf lies inside the
 * batch's span; otherwise (and whenever that check finds anything) the batch is verified again
 * on its own (verifyLoadedBatch: its leaves and span read afresh), whose report names what differs.
 */
async function verifyCollected(
  sql: SqlExecutor,
  head: StoredHead,
  previous: CheckedHead | null | 'missing',
  keys: PublicKeys,
  collected: CollectedBatch | null,
): Promise<BatchVerification> {
  if (collected !== null && collected.clean) {
    const order = collected.indexes.map((_, i) => i).sort((x, y) => collected.indexes[x] - collected.indexes[y]);
    const leaves = order.map((i): BatchLeaf => ({
      merkleIndex: collected.indexes[i],
      // The event ids are not read: a leaf whose position holds another event made the batch unclean.
      sealed: { leafHash: collected.stored[i], eventId: '', globalPosition: collected.positions[i], batchId: head.head.batchId },
      event: { eventId: '', leafText: '', leafHash: Buffer.from(collected.hashes[i], 'hex'), leafHashHex: collected.hashes[i] },
    }));
    const report = checkBatch({ head, previous, leaves, publicKeys: keys });
    if (report.ok) return report;
  }
  return verifyLoadedBatch(sql, head, previous, keys);
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

interface EventPass {
  count: number;
  sealedCount: number;
  unsealedCount: number;
  uncoveredCount: number;
  refusedCount: number;
  unsealed: UnsealedEvent[];
  uncovered: VerificationFailure<RangeFailureReason>[];
}

/**
 * The leaves of one batch as the scan read and hashed them, as parallel arrays (in arrival order):
 * they live until the batch is verified, so they are kept to few, flat objects (GC).
 */
interface CollectedBatch {
  id: bigint;
  indexes: number[];
  /** Leaf hashes recomputed from the events' columns (storedLeafHashHex), hex. */
  hashes: string[];
  /** merkle_leaves.leaf_hash, hex. */
  stored: string[];
  positions: string[];
  /** False when a leaf's global position now holds another event, or an event without a leaf lies inside the span: verified on its own. */
  clean: boolean;
}

/** A chunk of the scan: what it found that is handled in position order once it is finished. */
interface Chunk {
  /** Its last global position (inclusive). */
  to: bigint;
  notSealed: ChunkRow[];
  withoutLeaf: bigint[];
  highestBatch: bigint;
}

/** The global positions of a batch's leaves, lowest and highest. */
function spanOf(batch: CollectedBatch): { low: bigint; high: bigint } {
  let low = BigInt(batch.positions[0]);
  let high = low;
  for (const text of batch.positions) {
    const position = BigInt(text);
    if (position < low) low = position;
    if (position > high) high = position;
  }
  return { low, high };
}

interface LogScanOptions {
  start: string;
  end: string;
  span: { first: bigint; last: bigint } | null;
  lastSealedPosition: string | null;
  /** The last batch the sealer's state counts as sealed (a leaf of a batch up to it without a head is headless). */
  lastSealedBatch: bigint;
  listLimit: number;
  /** Global positions per chunk query. */
  chunk: number;
}

/**
 * The range's single pass over the events table, in chunks of global positions (CHUNK), up to
 * CHUNKS_IN_FLIGHT queries ahead so the database reads while this process hashes. It counts and
 * lists the range's events by status (the event pass) and collects the hashed leaves of the
 * batches being verified, which verifyRange takes in batch order (take). A batch is handed over
 * when all its leaves arrived; one still incomplete once the scan has reached batches
 * BATCH_LAG further (a leaf whose event is gone or outside the scan, a leaf moved to another
 * batch) or has ended is handed over as null, and verified on its own. At most MAX_PENDING
 * batches are held: the scan waits for verifyRange beyond that (memory stays bounded).
 */
class LogScan {
  private readonly pass: EventPass = { count: 0, sealedCount: 0, unsealedCount: 0, uncoveredCount: 0, refusedCount: 0, unsealed: [], uncovered: [] };
  private readonly pending = new Map<string, CollectedBatch>();
  /** Global positions ≤ the last sealed one of events without a leaf (normally none), ascending: intruders if inside a batch's span. */
  private readonly withoutLeaf: bigint[] = [];
  /** Batch ids below it are done (verified or missing): their leaves are not collected; null: no more batches wanted. */
  private floor: bigint | null;
  /** Every event up to this global position has been read and its chunk finished (chunks finish in order). */
  private readThrough = -1n;
  /** The highest batch id of a leaf in the chunks finished. */
  private highestBatchRead = -1n;
  private done = false;
  private stopped = false;
  private failed: unknown = undefined;
  private wakeTaker: (() => void) | null = null;
  private wakeScanner: (() => void) | null = null;
  private readonly lastSealed: bigint | null;

  constructor(private readonly sql: SqlExecutor, private readonly options: LogScanOptions) {
    this.floor = options.span?.first ?? null;
    this.lastSealed = options.lastSealedPosition === null ? null : BigInt(options.lastSealedPosition);
  }

  async run(): Promise<EventPass> {
    try {
      const { rows: [bounds] } = await this.sql.query<{ low: string | null; high: string | null }>(
        'SELECT (SELECT min(global_position) FROM events)::text AS low, (SELECT max(global_position) FROM events)::text AS high',
      );
      if (bounds.low !== null && bounds.high !== null) {
        const low = BigInt(bounds.low) - 1n;
        const high = BigInt(bounds.high);
        const width = BigInt(this.options.chunk);
        const inFlight: { chunk: Chunk; read: Promise<void> }[] = [];
        let next = low;
        const launch = () => {
          while (inFlight.length < CHUNKS_IN_FLIGHT && next < high && !this.stopped) {
            const to = next + width < high ? next + width : high;
            const chunk: Chunk = { to, notSealed: [], withoutLeaf: [], highestBatch: -1n };
            const read = this.readChunk(chunk, next);
            read.catch(() => undefined); // awaited in order below
            inFlight.push({ chunk, read });
            next = to;
          }
        };
        try {
          launch();
          while (inFlight.length > 0 && !this.stopped) {
            const { chunk, read } = inFlight[0];
            await read;
            inFlight.shift();
            this.finish(chunk);
            this.notifyTaker();
            // Too many batches held: no new chunk until verifyRange takes some. The chunks in flight
            // still finish first, so every batch held is either complete or given up (BATCH_LAG).
            if (inFlight.length === 0) {
              while (this.floor !== null && this.pending.size > MAX_PENDING && !this.stopped) await new Promise<void>((resolve) => (this.wakeScanner = resolve));
            }
            if (this.floor === null || this.pending.size <= MAX_PENDING) launch();
          }
        } finally {
          await Promise.allSettled(inFlight.map((entry) => entry.read)); // no query outlives the call
        }
      }
      return this.pass;
    } catch (error) {
      this.failed = error;
      throw error;
    } finally {
      this.done = true;
      this.notifyTaker();
    }
  }

  /**
   * The chunk's rows, each handled as it arrives where the executor can stream them (PostgreSQL:
   * the rows of the next chunk are hashed while this one's are still coming, and no row outlives
   * its handling), else once the query returns them all (PGlite).
   */
  private async readChunk(chunk: Chunk, after: bigint): Promise<void> {
    const { start, end, span, lastSealedPosition, lastSealedBatch } = this.options;
    const params = [
      start, end, lastSealedPosition, after.toString(), chunk.to.toString(), span?.first.toString() ?? null, span?.last.toString() ?? null, lastSealedBatch.toString(),
    ];
    const onRow = (row: ChunkRow) => this.collect(chunk, row);
    if (this.sql.queryEach !== undefined) {
      await this.sql.queryEach<ChunkRow>(CHUNK, params, onRow, 'caracal_verify_range_chunk');
      return;
    }
    const { rows } = await this.sql.query<ChunkRow>(CHUNK, params, 'caracal_verify_range_chunk');
    for (const row of rows) onRow(row);
  }

  /** One row of a chunk: counted, and its leaf hashed into its batch (in any order; see finish). */
  private collect(chunk: Chunk, row: ChunkRow): void {
    const pass = this.pass;
    const status = row.s;
    if (status !== null) {
      pass.count++;
      if (status === 'sealed') pass.sealedCount++;
      else chunk.notSealed.push(row);
    }
    if (row.merkleIndex === null) {
      if (this.lastSealed !== null && BigInt(row.globalPosition) <= this.lastSealed) chunk.withoutLeaf.push(BigInt(row.globalPosition));
      return;
    }
    if (row.h === null || this.floor === null) return;
    const batchText = row.b!;
    let batch = this.pending.get(batchText);
    if (batch === undefined) {
      const batchId = BigInt(batchText);
      if (batchId < this.floor) return;
      batch = { id: batchId, indexes: [], hashes: [], stored: [], positions: [], clean: true };
      this.pending.set(batchText, batch);
    }
    if (batch.id > chunk.highestBatch) chunk.highestBatch = batch.id;
    if (row.m !== null) batch.clean = false;
    batch.indexes.push(Number(row.merkleIndex));
    // merkleIndex is not null here: the row is a StoredEventLeaf.
    batch.hashes.push(storedLeafHashHex(row as StoredEventLeaf));
    batch.stored.push(row.h);
    batch.positions.push(row.globalPosition);
  }

  /** A chunk whose rows have all been handled, in chunk order: what needs the position order. */
  private finish(chunk: Chunk): void {
    // The lists keep the first events of the range; the intruder search is a binary search.
    chunk.notSealed.sort((x, y) => compareBigInt(BigInt(x.globalPosition), BigInt(y.globalPosition)));
    for (const row of chunk.notSealed) {
      classify(this.pass, {
        global_position: row.globalPosition, event_id: row.eventId, recorded_at: row.recordedAt, merkle_index: row.merkleIndex, batch_id: row.b, status: row.s!, refusal: row.refusal,
      }, this.options.lastSealedPosition, this.options.listLimit);
    }
    chunk.withoutLeaf.sort(compareBigInt);
    for (const position of chunk.withoutLeaf) this.withoutLeaf.push(position);
    this.readThrough = chunk.to;
    if (chunk.highestBatch > this.highestBatchRead) this.highestBatchRead = chunk.highestBatch;
  }

  /**
   * The leaves of batch `id` (expected: its head's leaf count), once all arrived and every event
   * up to its last leaf has been read; null when they cannot all arrive (see the class). Batches
   * below `id` are dropped.
   */
  async take(id: bigint, expected: number): Promise<CollectedBatch | null> {
    this.passed(id);
    const key = id.toString();
    for (;;) {
      if (this.failed !== undefined) throw this.failed;
      const batch = this.pending.get(key);
      const span = batch !== undefined && batch.indexes.length >= expected ? spanOf(batch) : null;
      const complete = span !== null && span.high <= this.readThrough;
      if (complete || this.done || this.highestBatchRead >= id + BATCH_LAG) {
        this.pending.delete(key);
        this.notifyScanner();
        if (!complete) return null;
        if (anyWithin(this.withoutLeaf, span.low, span.high)) batch!.clean = false;
        return batch!;
      }
      await new Promise<void>((resolve) => (this.wakeTaker = resolve));
    }
  }

  /** Ends the scan after the chunk at hand (verifyRange failed): run() resolves with what was counted. */
  stop(): void {
    this.stopped = true;
    this.passed(null);
  }

  /** Batches below `floor` are done (null: all are): their leaves are no longer collected. */
  passed(floor: bigint | null): void {
    this.floor = floor;
    for (const key of [...this.pending.keys()]) if (floor === null || BigInt(key) < floor) this.pending.delete(key);
    this.notifyScanner();
  }

  private notifyTaker(): void {
    const wake = this.wakeTaker;
    this.wakeTaker = null;
    wake?.();
  }

  private notifyScanner(): void {
    const wake = this.wakeScanner;
    this.wakeScanner = null;
    wake?.();
  }
}

function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether the ascending `positions` hold one in [low, high] (binary search). */
function anyWithin(positions: readonly bigint[], low: bigint, high: bigint): boolean {
  let lo = 0;
  let hi = positions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (positions[mid] < low) lo = mid + 1;
    else hi = mid;
  }
  return lo < positions.length && positions[lo] <= high;
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
