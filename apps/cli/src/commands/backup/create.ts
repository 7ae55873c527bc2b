import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { Backup } from '@caracal/api-contract';
import { formatBackup } from '../../output/backup-output.js';

export default class BackupCreate extends GatewayCommand {
  static override summary = "Back up the event store's database: a gzip'd plain-SQL pg_dump (PostgreSQL) or the PGlite data directory (embedded).";
  static override description =
    'The gateway makes the dump into its backup directory (CARACAL_BACKUP_DIR) with a manifest: id, tag, size, SHA-256, log head, ' +
    'last signed Merkle head. A PostgreSQL dump loads into an empty database with `gunzip -c <file> | psql` (runbook: PostgreSQL Restore). ' +
    '--type kafka (with CARACAL_BUS=kafka): the event topic and its DLQ topic, every partition with offsets, keys, headers and values, ' +
    'as gzip\'d JSON lines with the same manifest and SHA-256; `backup verify` compares its events with the event log.';

  static override examples = [
    { description: 'Runbook: PostgreSQL Backup.', command: 'caracal backup create --type postgresql' },
    { description: 'Runbook: preserve evidence of corruption.', command: 'caracal backup create --type postgresql --tag "corruption-evidence"' },
    { description: "Runbook: preserve the Kafka bus's topics as evidence.", command: 'caracal backup create --type kafka --tag "corruption-evidence"' },
  ];

  static override flags = {
    type: Flags.string({ summary: 'What to back up.', options: ['postgresql', 'kafka'], required: true }),
    tag: Flags.string({ summary: 'A label to find the backup by, e.g. corruption-evidence.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BackupCreate);
    const backup = await this.gateway(flags).post<Backup>('/v1/backups', { type: flags.type, ...(flags.tag === undefined ? {} : { tag: flags.tag }) });
    this.show(flags, backup, formatBackup);
  }
}
