import type { SqlExecutor } from '@caracal/event-store';
import { canonicalTimestamp, toHex } from '@caracal/merkle';
import { EXPORT_FORMAT_VERSION, type ExportedHead, type ExportedProofs, type ExportRecord } from './export-bundle.js';
import { HEAD_COLUMNS, headFromRow, loadHead, loadPublicKeys, recordedAtTextSql, type StoredHead } from './merkle-heads.read.js';
import { StreamedConsistencyProof } from './streamed-consistency-proof.js';
import { rangeBound, type VerificationTimeRange } from './verify-range.js';
import { loadLeafEvents, storedLeafOf } from './verify-batch.js';
import { sealedLeafSql } from './sealed-leaf.sql.js';

export interface ExportReadOptions {
  /** Rows read per query (events, leaves, unsealed events); default 2,000. */
  pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 2000;

/**
 * The export bundle of an event-time range as records, read in pages (keyset by merkle index or
 * global position), so an export of millions of events never holds them in memory: public keys,
 * the anchor head (the one before the first exported batch) and the heads of every batch whose
 * events overlap the range (whole batches: a root needs all its leaves), every leaf's event as it
 * is now, the range's unsealed events, the consistency proof from the anchor (or first) head to
 * the last, and an `end` record with the counts. Reads only; see docs/sealing.md "Export bundle".
 */
export async function* readExportBundle(sql: SqlExecutor, range: VerificationTimeRange, options: ExportReadOptions = {}): AsyncGenerator<ExportRecord> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const createdAt = canonicalTimestamp(new Date());
  const start = rangeBound(range.start);
  const end = rangeBound(range.end);
  if (start > end) throw new RangeError(`start ${start} is after end ${end}`);

  const keys = await loadPublicKeys(sql);
  for (const [keyId, publicKeyPem] of keys) yield { kind: 'publicKey', keyId, publicKeyPem };

  const { rows: [span] } = await sql.query<{ first_batch: string | null; last_batch: string | null; events_in_range: string }>(
    `SELECT least(b.first_batch, h.first_batch)::text AS first_batch, greatest(b.last_batch, h.last_batch)::text AS last_batch,
            (SELECT count(*) FROM events WHERE recorded_at BETWEEN $1::timestamptz AND $2::timestamptz)::text AS events_in_range
       FROM (SELECT min(l.batch_id) AS first_batch, max(l.batch_id) AS last_batch
               FROM events e JOIN merkle_leaves l ON l.global_position = e.global_position
              WHERE e.recorded_at BETWEEN $1::timestamptz AND $2::timestamptz
                AND ${sealedLeafSql('l')}) b,
            (SELECT min(batch_id) AS first_batch, max(batch_id) AS last_batch FROM merkle_heads
              WHERE first_recorded_at::timestamptz <= $2::timestamptz AND last_recorded_at::timestamptz >= $1::timestamptz) h`,
    [start, end],
  );
  const anchor = span.first_batch !== null && span.first_batch !== '1' ? await loadHead(sql, BigInt(span.first_batch) - 1n) : null;
  if (anchor !== null) yield headRecord(anchor, 'anchor');
  let first: StoredHead | undefined;
  let last: StoredHead | undefined;
  let batches = 0;
  if (span.first_batch !== null) {
    for await (const head of headsBetween(sql, span.first_batch, span.last_batch as string, pageSize)) {
      first ??= head;
      last = head;
      batches += 1;
      yield headRecord(head, 'batch');
    }
  }

  let events = 0;
  if (first !== undefined && last !== undefined) {
    const lastIndex = last.head.lastIndex;
    for (let cursor = first.head.firstIndex; cursor <= lastIndex; cursor += pageSize) {
      for (const row of await loadLeafEvents(sql, cursor, Math.min(cursor + pageSize - 1, lastIndex))) {
        // A leaf whose event is gone is left out: the offline verifier reports its index as missing.
        if (row.global_position === null) continue;
        events += 1;
        yield { kind: 'event', ...storedLeafOf(row), leafHash: row.leaf_hash };
      }
    }
  }

  let unsealed = 0;
  for await (const event of unsealedEvents(sql, start, end, pageSize)) {
    unsealed += 1;
    yield { kind: 'unsealed', ...event };
  }

  const from = anchor ?? first;
  yield { kind: 'proofs', ...(from === undefined || last === undefined ? { consistency: null } : await consistency(sql, from, last, pageSize)) };
  yield {
    kind: 'end', formatVersion: EXPORT_FORMAT_VERSION, range: { start, end }, createdAt,
    counts: { batches, events, eventsInRange: Number(span.events_in_range), unsealedEvents: unsealed, publicKeys: keys.size },
  };
}

/** The heads of batches [first, last] that exist, in pages (keyset by batch id). */
async function* headsBetween(sql: SqlExecutor, first: string, last: string, pageSize: number): AsyncGenerator<StoredHead> {
  let after = (BigInt(first) - 1n).toString();
  for (;;) {
    const { rows } = await sql.query<Parameters<typeof headFromRow>[0]>(
      `SELECT ${HEAD_COLUMNS} FROM merkle_heads h WHERE h.batch_id > $1 AND h.batch_id <= $2 ORDER BY h.batch_id LIMIT $3`,
      [after, last, pageSize],
    );
    for (const row of rows) yield headFromRow(row);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].batch_id;
  }
}

function headRecord(stored: StoredHead, role: ExportedHead['role']): ExportRecord {
  return { kind: 'head', role, ...stored.head, signature: stored.signature, headHash: stored.headHash };
}

/** Events of [start, end] in no sealed batch (open batch, not indexed yet, or their leaf is gone), by global position. */
async function* unsealedEvents(sql: SqlExecutor, start: string, end: string, pageSize: number) {
  let after = '-1';
  for (;;) {
    const { rows } = await sql.query<{ event_id: string; global_position: string; recorded_at: string; merkle_index: string | null; refused: string | null }>(
      `SELECT e.event_id::text AS event_id, e.global_position::text AS global_position, ${recordedAtTextSql('e.recorded_at')} AS recorded_at,
              l.merkle_index::text AS merkle_index, r.reason || ': ' || r.detail AS refused
         FROM events e LEFT JOIN merkle_leaves l ON l.global_position = e.global_position
              LEFT JOIN merkle_refused_events r ON r.event_id = e.event_id
        WHERE e.recorded_at BETWEEN $1::timestamptz AND $2::timestamptz AND e.global_position > $3
          AND (${sealedLeafSql('l')}) IS NOT TRUE
        ORDER BY e.global_position LIMIT $4`,
      [start, end, after, pageSize],
    );
    for (const row of rows) {
      yield {
        eventId: row.event_id, globalPosition: row.global_position, recordedAt: row.recorded_at, merkleIndex: row.merkle_index === null ? null : Number(row.merkle_index),
        ...(row.refused === null ? {} : { refused: row.refused }),
      };
    }
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].global_position;
  }
}

/** The consistency proof from `from` to `to`, from the stored leaf hashes streamed in pages. */
async function consistency(sql: SqlExecutor, from: StoredHead, to: StoredHead, pageSize: number): Promise<ExportedProofs> {
  const builder = new StreamedConsistencyProof(from.head.treeSize, to.head.treeSize);
  const proof = (hashes: string[]): ExportedProofs => ({
    consistency: { fromBatchId: from.head.batchId, toBatchId: to.head.batchId, fromTreeSize: from.head.treeSize, toTreeSize: to.head.treeSize, hashes },
  });
  let next = 0;
  while (next < builder.neededLeaves) {
    const { rows } = await sql.query<{ merkle_index: string; leaf_hash: Uint8Array }>(
      'SELECT l.merkle_index::text AS merkle_index, l.leaf_hash FROM merkle_leaves l WHERE l.merkle_index >= $1 AND l.merkle_index < $2 ORDER BY l.merkle_index LIMIT $3',
      [String(next), String(builder.neededLeaves), pageSize],
    );
    for (const row of rows) {
      // A missing stored leaf: no proof can be built; the verifier reports the proof as missing.
      if (Number(row.merkle_index) !== next) return { consistency: null };
      builder.add(row.leaf_hash);
      next += 1;
    }
    if (rows.length === 0) return { consistency: null };
  }
  return proof(builder.proof().map(toHex));
}
