import type { SqlExecutor } from '../../event-store/src/index.js';
import { SnapshotNotFoundError } from './recovery.errors.js';
import type { SnapshotManifest, SnapshotSummary } from './snapshot-manifest.js';

interface SnapshotRow extends Record<string, unknown> {
  snapshot_id: string;
  created_at: string;
  tag: string | null;
  manifest: unknown;
  compressed_bytes: string;
  uncompressed_bytes: string;
  sha256: string;
}

const SUMMARY_COLUMNS = `snapshot_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at, tag,
  manifest::text AS manifest, compressed_bytes::text AS compressed_bytes, uncompressed_bytes::text AS uncompressed_bytes, sha256`;

function summaryFromRow(row: SnapshotRow): SnapshotSummary {
  return {
    snapshotId: row.snapshot_id,
    createdAt: row.created_at,
    tag: row.tag,
    manifest: JSON.parse(row.manifest as string) as SnapshotManifest,
    compressedBytes: row.compressed_bytes,
    uncompressedBytes: row.uncompressed_bytes,
    sha256: row.sha256,
  };
}

export async function readSnapshotSummary(executor: SqlExecutor, snapshotId: string): Promise<SnapshotSummary> {
  const { rows } = await executor.query<SnapshotRow>(`SELECT ${SUMMARY_COLUMNS} FROM read_model_snapshots WHERE snapshot_id = $1`, [snapshotId]);
  if (rows.length === 0) throw new SnapshotNotFoundError(snapshotId);
  return summaryFromRow(rows[0]);
}

/** Newest first. */
export async function listSnapshots(executor: SqlExecutor): Promise<SnapshotSummary[]> {
  const { rows } = await executor.query<SnapshotRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM read_model_snapshots ORDER BY created_at DESC, snapshot_id DESC`,
  );
  return rows.map(summaryFromRow);
}

export async function deleteSnapshot(executor: SqlExecutor, snapshotId: string): Promise<void> {
  const { rowCount } = await executor.query('DELETE FROM read_model_snapshots WHERE snapshot_id = $1', [snapshotId]);
  if (rowCount === 0) throw new SnapshotNotFoundError(snapshotId);
}

/** Retention: deletes all but the `keep` newest snapshots; returns the ids deleted. */
export async function pruneSnapshots(executor: SqlExecutor, keep: number): Promise<string[]> {
  const { rows } = await executor.query<{ snapshot_id: string }>(
    `DELETE FROM read_model_snapshots WHERE snapshot_id IN (
       SELECT snapshot_id FROM read_model_snapshots ORDER BY created_at DESC, snapshot_id DESC OFFSET $1)
     RETURNING snapshot_id`,
    [keep],
  );
  return rows.map((row) => row.snapshot_id);
}

/** The stored chunks of a snapshot, in order. */
export async function* readSnapshotChunks(executor: SqlExecutor, snapshotId: string): AsyncGenerator<Uint8Array> {
  const { rows } = await executor.query<{ n: string }>('SELECT count(*)::text AS n FROM read_model_snapshot_chunks WHERE snapshot_id = $1', [
    snapshotId,
  ]);
  const count = Number(rows[0].n);
  for (let chunkNo = 0; chunkNo < count; chunkNo += 1) {
    const chunk = await executor.query<{ data: Uint8Array }>(
      'SELECT data FROM read_model_snapshot_chunks WHERE snapshot_id = $1 AND chunk_no = $2',
      [snapshotId, chunkNo],
    );
    if (chunk.rows.length === 0) return; // a missing chunk: the checksum will not match
    yield chunk.rows[0].data;
  }
}
