/**
 * What a backup is, written as `<id>.json` beside its file in the backup directory. Bigints are
 * decimal strings, as everywhere in the API.
 */
export interface BackupManifest {
  format: 1;
  backupId: string;
  /**
   * What was backed up: the event store's database (PostgreSQL, or PGlite on the embedded
   * profile), or the Kafka bus's topics (docs/kafka.md, "Backups").
   */
  type: 'postgresql' | 'kafka';
  /**
   * `plain-sql-gzip`: pg_dump's plain SQL, gzip'd: `gunzip -c <file> | psql` loads it into an
   * empty database. `pglite-data-dir-tgz`: PGlite's data directory as a gzip'd tarball, loaded by
   * `caracal backup restore`. `kafka-topics-ndjson-gzip`: one JSON line per message (topic,
   * partition, offset, timestamp, key, headers, value; bytes base64), gzip'd.
   */
  encoding: 'plain-sql-gzip' | 'pglite-data-dir-tgz' | 'kafka-topics-ndjson-gzip';
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
  /** The newest signed Merkle head in the backup (of a Kafka backup: the database's when it was made). */
  merkleHead: { batchId: string; treeSize: number; headHash: string } | null;
  /** A Kafka backup: each topic's partitions with the offsets backed up, and the relay's position then. */
  kafka?: KafkaBackupContents;
}

export interface KafkaBackupContents {
  brokers: string[];
  topics: { topic: string; partitions: { partition: number; lowOffset: string; highWatermark: string; messages: number }[] }[];
  /** The last global position kafka-relay had published when the backup started: the log up to it must be on the event topic. */
  relayPosition: string;
}

/** `backup verify` of a Kafka backup: its event messages against the event log. */
export interface KafkaBackupComparison {
  messages: number;
  /** Distinct events on the event topic (a republished event counts once). */
  events: number;
  /** Log events up to the relay's position with no message (lost on the bus). */
  missingFromTopic: number;
  /** Messages whose event is not in the log, or differs from it (type, position, stream, data). */
  notInLog: number;
  /** Up to 10 event ids of each kind, to start from. */
  examples: { missingFromTopic: string[]; notInLog: string[] };
  ok: boolean;
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
  /** A Kafka backup: its events compared with the event log; null otherwise. */
  kafka?: KafkaBackupComparison | null;
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
