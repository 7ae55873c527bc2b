import type { ProcessorKey } from '../../processing/src/index.js';

/** Where one processor was when the snapshot read its tables: restore puts it back there. */
export interface SnapshotCheckpoint extends ProcessorKey {
  transactionId: string;
  globalPosition: string;
  eventsProcessed: string;
}

/**
 * What a snapshot holds and what it must match to be restored. Stored as jsonb beside the
 * compressed rows; bigints are decimal strings (the same in JSON, the API and the CLI).
 */
export interface SnapshotManifest {
  format: 1;
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

export interface SnapshotSummary {
  snapshotId: string;
  createdAt: string;
  tag: string | null;
  manifest: SnapshotManifest;
  compressedBytes: string;
  uncompressedBytes: string;
  sha256: string;
}
