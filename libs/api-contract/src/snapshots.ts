// Read-model snapshots (docs/api.md "Snapshots", docs/recovery.md); bigints are decimal strings.

export interface SnapshotProcessor {
  name: string;
  version: number;
  transactionId: string;
  globalPosition: string;
  eventsProcessed: string;
}

export interface Snapshot {
  snapshotId: string;
  createdAt: string;
  tag: string | null;
  manifest: {
    processors: SnapshotProcessor[];
    tables: { table: string; rows: number }[];
    anchor: { globalPosition: string; eventId: string } | null;
    merkleHead: { batchId: string; treeSize: number; headHash: string } | null;
    eventsCovered: string;
  };
  compressedBytes: string;
  uncompressedBytes: string;
  sha256: string;
  /** The last time the stored bytes were hashed against the checksum: at creation, verify or restore. */
  checksumState: 'verified' | 'failed' | null;
  checksumCheckedAt: string | null;
}

export interface SnapshotVerification {
  snapshot: Snapshot;
  ok: boolean;
  /** The checksum of the bytes as stored now. */
  actual: string;
}

export interface SnapshotList {
  items: Snapshot[];
  /** How many the gateway keeps (CARACAL_SNAPSHOT_KEEP; 0: all). */
  keep: number;
}

export interface SnapshotRestore {
  snapshot: Snapshot;
  tables: { table: string; rows: number }[];
  checkpoints: SnapshotProcessor[];
}
