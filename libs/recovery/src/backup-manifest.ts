/**
 * What a backup is, written as `<id>.json` beside its file in the backup directory. Bigints are
 * decimal strings, as everywhere in the API.
 */
export interface BackupManifest {
  format: 1;
  backupId: string;
  /** What was backed up: the event store's database (PostgreSQL, or PGlite on the embedded profile). */
  type: 'postgresql';
  /**
   * `plain-sql-gzip`: pg_dump's plain SQL, gzip'd: `gunzip -c <file> | psql` loads it into an
   * empty database. `pglite-data-dir-tgz`: PGlite's data directory as a gzip'd tarball, loaded by
   * `caracal backup restore`.
   */
  encoding: 'plain-sql-gzip' | 'pglite-data-dir-tgz';
  /** The backup's file name, in the same directory as this manifest. */
  file: string;
  tag: string | null;
  createdAt: string;
  sizeBytes: string;
  /** SHA-256 of the file's bytes, hex. */
  sha256: string;
  /** The server that was backed up, e.g. "PostgreSQL 15.20", and the tool that dumped it. */
  serverVersion: string;
  tool: string;
  /** The log as the backup holds it: its last position and number of events. */
  logHead: { globalPosition: string; events: string };
  /** The newest signed Merkle head in the backup. */
  merkleHead: { batchId: string; treeSize: number; headHash: string } | null;
}

export interface BackupList {
  items: BackupManifest[];
  directory: string;
}

/** `backup verify`: the checksum, and with a trial restore what the restored log verified to. */
export interface BackupVerification {
  backup: BackupManifest;
  checksumOk: boolean;
  actualSha256: string;
  trialRestore: TrialRestoreReport | null;
  ok: boolean;
}

export interface TrialRestoreReport {
  /** Where it was restored: a scratch database, dropped afterwards. */
  scratch: string;
  restoredEvents: string;
  restoredHead: string;
  /** The manifest's head position and Merkle head were found in the restored database. */
  matchesManifest: boolean;
  /** `merkle verify-range` over the whole restored log. */
  verifyRange: { ok: boolean; batches: number; batchesOk: number; events: number; sealedEvents: number; unsealedEvents: number; failures: number };
  durationMs: number;
}
