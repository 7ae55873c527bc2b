import type { ProcessorKey } from '@caracal/processing';

/** Where one processor was when the snapshot read its tables: restore puts it back there. */
export interface SnapshotCheckpoint extends ProcessorKey {
  transactionId: string;
  globalPosition: string;
  eventsProcessed: string;
}

/**
 * The layout of a snapshot's chunks. 1: gzip'd JSON lines cut into 1 MiB pieces by the creating
 * process (earlier versions; listed, not restorable). 2: one chunk per range of a table's pages,
 * written and read by PostgreSQL itself (docs/recovery.md, "Snapshot format").
 */
export const SNAPSHOT_FORMAT = 2;

/**
 * What a snapshot holds and what it must match to be restored. Stored as jsonb beside the
 * chunks; bigints are decimal strings (the same in JSON, the API and the CLI).
 */
export interface SnapshotManifest {
  format: 1 | typeof SNAPSHOT_FORMAT;
  processors: SnapshotCheckpoint[];
  tables: { table: string; rows: number }[];
  /**
   * The last event the snapshot covers (the highest processor checkpoint). A log where another
   * event has that position is another log.
   */
  anchor: { globalPosition: string; eventId: string } | null;
  /** The newest signed Merkle head when the snapshot was taken: the log it belongs to. */
  merkleHead: { batchId: string; treeSize: number; headHash: string } | null;
  /** Events in the log up to the anchor. */
  eventsCovered: string;
}

/** The outcome of the last time the stored bytes were hashed against the checksum. */
export type ChecksumState = 'verified' | 'failed';

export interface SnapshotSummary {
  snapshotId: string;
  createdAt: string;
  tag: string | null;
  manifest: SnapshotManifest;
  /** Bytes as stored, after the database's compression. */
  compressedBytes: string;
  /** Bytes of the JSON lines. */
  uncompressedBytes: string;
  sha256: string;
  /** Null for a snapshot of format 1 that was never checked since. */
  checksumState: ChecksumState | null;
  checksumCheckedAt: string | null;
}
