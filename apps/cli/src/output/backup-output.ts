import type { Backup, BackupList, BackupVerification } from '@caracal/api-contract';
import type { PgliteRestoreResult } from '@caracal/recovery';
import { formatFields } from './fields.js';
import { count } from './plural.js';
import { formatBytes } from './snapshot-output.js';
import { formatList, type Column } from './table.js';
import { orDash } from './values.js';

function merkleHead(backup: Backup): string {
  return backup.merkleHead === null ? '-' : `batch ${backup.merkleHead.batchId}, tree size ${backup.merkleHead.treeSize}, head ${backup.merkleHead.headHash}`;
}

/** How an operator loads it: the runbook's psql line for a SQL dump, `backup restore` for PGlite. */
function howToRestore(backup: Backup): string {
  if (backup.encoding === 'kafka-topics-ndjson-gzip') return `evidence of the bus: gunzip -c ${backup.path ?? backup.file} (one JSON message a line; docs/kafka.md)`;
  return backup.encoding === 'plain-sql-gzip'
    ? `gunzip -c ${backup.path ?? backup.file} | psql <empty database>`
    : `caracal backup restore --backup-id ${backup.backupId} (gateway stopped)`;
}

const ENCODINGS: Record<Backup['encoding'], string> = {
  'plain-sql-gzip': 'plain SQL, gzip',
  'pglite-data-dir-tgz': 'PGlite data directory, tar.gz',
  'kafka-topics-ndjson-gzip': 'Kafka topics, JSON lines, gzip',
};

function kafkaTopics(backup: Backup): string {
  return (backup.kafka?.topics ?? [])
    .map((topic) => `${topic.topic}: ${topic.partitions.map((p) => `p${p.partition} ${p.lowOffset}..${p.highWatermark}`).join(', ')}`)
    .join('; ') || 'no topics';
}

export function formatBackup(backup: Backup): string {
  return formatFields([
    ['Backup ID', backup.backupId],
    ['Type', `${backup.type} (${ENCODINGS[backup.encoding]})`],
    ...(backup.kafka ? [['Topics', kafkaTopics(backup)] as [string, string], ['Relay position', backup.kafka.relayPosition] as [string, string]] : []),
    ['Created', backup.createdAt],
    ['Tag', orDash(backup.tag)],
    ['File', backup.path ?? backup.file],
    ['Size', formatBytes(backup.sizeBytes)],
    ['SHA-256', backup.sha256],
    ['Log head', `position ${backup.logHead.globalPosition}, ${backup.logHead.events} events`],
    ['Merkle head', merkleHead(backup)],
    ['Server', `${backup.serverVersion}; ${backup.tool}`],
    ['Restore', howToRestore(backup)],
  ]);
}

const listColumns: Column<Backup>[] = [
  { header: 'BACKUP ID', value: (b) => b.backupId },
  { header: 'CREATED', value: (b) => b.createdAt },
  { header: 'TAG', value: (b) => orDash(b.tag) },
  { header: 'TYPE', value: (b) => (b.encoding === 'plain-sql-gzip' ? 'postgresql sql.gz' : b.encoding === 'kafka-topics-ndjson-gzip' ? 'kafka ndjson.gz' : 'pglite tar.gz') },
  { header: 'HEAD', value: (b) => b.logHead.globalPosition, alignRight: true },
  { header: 'EVENTS', value: (b) => b.logHead.events, alignRight: true },
  { header: 'SIZE', value: (b) => formatBytes(b.sizeBytes), alignRight: true },
  { header: 'SHA-256', value: (b) => `${b.sha256.slice(0, 16)}…` },
];

export function formatBackupList(list: BackupList): string {
  return [formatList(list.items, listColumns, 'backups'), '', `Directory: ${list.directory}. Check one with: caracal backup verify --backup-id <id> [--trial-restore]`].join('\n');
}

export function formatBackupVerification(result: BackupVerification): string {
  const lines = [
    `${result.ok ? 'OK' : 'FAILED'}: backup ${result.backup.backupId}`,
    result.checksumOk
      ? `Checksum: OK (SHA-256 ${result.actualSha256})`
      : `Checksum: FAILED: the file hashes to ${result.actualSha256}, the manifest says ${result.backup.sha256}`,
  ];
  const kafka = result.kafka;
  if (kafka !== undefined && kafka !== null) {
    lines.push(
      `Against the event log: ${kafka.ok ? 'OK' : 'FAILED'}: ${count(kafka.messages, 'message', 'messages')}, ${count(kafka.events, 'event', 'events')}; ` +
        `${kafka.missingFromTopic} log events missing from the topic, ${kafka.notInLog} messages not in the log or differing from it`,
    );
    if (kafka.examples.missingFromTopic.length > 0) lines.push(`Missing from the topic, e.g.: ${kafka.examples.missingFromTopic.join(', ')}`);
    if (kafka.examples.notInLog.length > 0) lines.push(`Not in the log or differing, e.g.: ${kafka.examples.notInLog.join(', ')}`);
    return lines.join('\n');
  }
  if (result.backup.type === 'kafka') return lines.join('\n');
  const trial = result.trialRestore;
  if (trial === null) {
    lines.push(result.checksumOk ? 'Trial restore: not run (add --trial-restore)' : 'Trial restore: not run (the checksum failed)');
  } else {
    const range = trial.verifyRange;
    lines.push(
      `Trial restore: into ${trial.scratch} in ${(trial.durationMs / 1000).toFixed(1)} s: ${trial.restoredEvents} events, head ${trial.restoredHead}; ` +
        `${trial.matchesManifest ? 'matches the manifest' : 'does NOT match the manifest (log head or Merkle head)'}`,
      `Merkle verify-range: ${range.ok ? 'OK' : 'FAILED'}: ${range.batchesOk}/${range.batches} batches verified, ` +
        `${range.sealedEvents} of ${count(range.events, 'event', 'events')} sealed (${range.unsealedEvents} not sealed yet), ${count(range.failures, 'failure', 'failures')}`,
    );
  }
  return lines.join('\n');
}

export function formatBackupRestore(result: PgliteRestoreResult): string {
  return [
    `Restored backup ${result.backup.backupId} (checksum verified) into ${result.pgdata}: ${result.logHead.events} events, head ${result.logHead.globalPosition}.`,
    result.previousMovedTo === null ? 'There was no database there before.' : `The database it replaced was moved to ${result.previousMovedTo} (delete it when no longer needed).`,
    'Start the gateway: its processors continue from the checkpoints in the backup.',
  ].join('\n');
}
