import type { SqlExecutor } from '@caracal/event-store';
import { SnapshotNotFoundError } from './recovery.errors.js';
import type { ChunkDigest } from './snapshot-checksum.js';
import type { ChecksumState, SnapshotManifest, SnapshotSummary } from './snapshot-manifest.js';

interface SnapshotRow extends Record<string, unknown> {
  snapshot_id: string;
  created_at: string;
  tag: string | null;
  manifest: unknown;
  compressed_bytes: string;
  uncompressed_bytes: string;
  sha256: string;
  checksum_state: ChecksumState | null;
  checksum_checked_at: string | null;
}

/** A snapshot being written has no checksum yet (snapshot.create.ts): it is not listed or restorable. */
const COMPLETE = `sha256 <> ''`;

const UTC_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const SUMMARY_COLUMNS = `snapshot_id, to_char(created_at AT TIME ZONE 'UTC', ${UTC_MS}) AS created_at, tag,
  manifest::text AS manifest, compressed_bytes::text AS compressed_bytes, uncompressed_bytes::text AS uncompressed_bytes, sha256,
  checksum_state, to_char(checksum_checked_at AT TIME ZONE 'UTC', ${UTC_MS}) AS checksum_checked_at`;

function summaryFromRow(row: SnapshotRow): SnapshotSummary {
  return {
    snapshotId: row.snapshot_id,
    createdAt: row.created_at,
    tag: row.tag,
    manifest: JSON.parse(row.manifest as string) as SnapshotManifest,
    compressedBytes: row.compressed_bytes,
    uncompressedBytes: row.uncompressed_bytes,
    sha256: row.sha256,
    checksumState: row.checksum_state,
    checksumCheckedAt: row.checksum_checked_at,
  };
}

export async function readSnapshotSummary(executor: SqlExecutor, snapshotId: string): Promise<SnapshotSummary> {
  const { rows } = await executor.query<SnapshotRow>(`SELECT ${SUMMARY_COLUMNS} FROM read_model_snapshots WHERE snapshot_id = $1 AND ${COMPLETE}`, [snapshotId]);
  if (rows.length === 0) throw new SnapshotNotFoundError(snapshotId);
  return summaryFromRow(rows[0]);
}

/** Newest first. */
export async function listSnapshots(executor: SqlExecutor): Promise<SnapshotSummary[]> {
  const { rows } = await executor.query<SnapshotRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM read_model_snapshots WHERE ${COMPLETE} ORDER BY created_at DESC, snapshot_id DESC`,
  );
  return rows.map(summaryFromRow);
}

export async function deleteSnapshot(executor: SqlExecutor, snapshotId: string): Promise<void> {
  const { rowCount } = await executor.query('DELETE FROM read_model_snapshots WHERE snapshot_id = $1', [snapshotId]);
  if (rowCount === 0) throw new SnapshotNotFoundError(snapshotId);
}

/**
 * Retention: deletes all but the `keep` newest snapshots, and snapshots left half-written for an
 * hour (their writer died); returns the ids deleted.
 */
export async function pruneSnapshots(executor: SqlExecutor, keep: number): Promise<string[]> {
  const { rows } = await executor.query<{ snapshot_id: string }>(
    `DELETE FROM read_model_snapshots WHERE snapshot_id IN (
       SELECT snapshot_id FROM read_model_snapshots WHERE ${COMPLETE} ORDER BY created_at DESC, snapshot_id DESC OFFSET $1)
       OR (NOT ${COMPLETE} AND created_at < clock_timestamp() - interval '1 hour')
     RETURNING snapshot_id`,
    [keep],
  );
  return rows.map((row) => row.snapshot_id);
}

/**
 * The digest of every stored chunk, in order, hashed where the bytes are. `lock` keeps the chunks
 * from changing until the caller's transaction ends (restore checks, then loads, the same bytes).
 */
export async function readChunkDigests(executor: SqlExecutor, snapshotId: string, lock = false): Promise<ChunkDigest[]> {
  const { rows } = await executor.query<{ chunk_no: number; table_name: string | null; row_count: number | null; sha256: string }>(
    `SELECT chunk_no, table_name, row_count, encode(sha256(data), 'hex') AS sha256
       FROM read_model_snapshot_chunks WHERE snapshot_id = $1 ORDER BY chunk_no${lock ? ' FOR SHARE' : ''}`,
    [snapshotId],
  );
  return rows.map((row) => ({ chunkNo: row.chunk_no, table: row.table_name ?? '', rows: row.row_count ?? 0, sha256: row.sha256 }));
}

export async function recordChecksumCheck(executor: SqlExecutor, snapshotId: string, state: ChecksumState): Promise<void> {
  await executor.query('UPDATE read_model_snapshots SET checksum_state = $2, checksum_checked_at = clock_timestamp() WHERE snapshot_id = $1', [
    snapshotId,
    state,
  ]);
}
