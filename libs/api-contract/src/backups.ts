// Backups (docs/api.md "Backups", docs/recovery.md); bigints are decimal strings.

export interface Backup {
  format: number;
  backupId: string;
  type: 'postgresql' | 'kafka';
  encoding: 'plain-sql-gzip' | 'pglite-data-dir-tgz' | 'kafka-topics-ndjson-gzip';
  file: string;
  /** The file on the gateway's host (create and get answer it; list gives the directory). */
  path?: string;
  tag: string | null;
  createdAt: string;
  sizeBytes: string;
  sha256: string;
  serverVersion: string;
  tool: string;
  logHead: { globalPosition: string; events: string };
  merkleHead: { batchId: string; treeSize: number; headHash: string } | null;
  /** A Kafka backup: the topics' partitions and offsets backed up, the relay's position then. */
  kafka?: {
    brokers: string[];
    topics: { topic: string; partitions: { partition: number; lowOffset: string; highWatermark: string; messages: number }[] }[];
    relayPosition: string;
  };
}

export interface BackupList {
  items: Backup[];
  /** The gateway's backup directory (CARACAL_BACKUP_DIR). */
  directory: string;
}

export interface BackupVerification {
  backup: Backup;
  checksumOk: boolean;
  actualSha256: string;
  /** Null unless a trial restore was asked for. */
  trialRestore: {
    scratch: string;
    restoredEvents: string;
    restoredHead: string;
    matchesManifest: boolean;
    verifyRange: { ok: boolean; batches: number; batchesOk: number; events: number; sealedEvents: number; unsealedEvents: number; failures: number };
    durationMs: number;
  } | null;
  /** A Kafka backup compared with the event log. */
  kafka?: {
    messages: number;
    events: number;
    missingFromTopic: number;
    notInLog: number;
    examples: { missingFromTopic: string[]; notInLog: string[] };
    ok: boolean;
  } | null;
  ok: boolean;
}
