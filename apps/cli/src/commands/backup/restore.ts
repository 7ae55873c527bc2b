import { join } from 'node:path';
import * as Flags from '@oclif/core/flags';
import { DataDirLockedError } from '@caracal/event-store';
import { BackupDirectory, restorePgliteBackup } from '@caracal/recovery';
import { DomainError } from '@caracal/domain';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_GATEWAY_FAILURE } from '../../cli-error.js';
import { resolveDataDir } from '../../connection-settings.js';
import { formatBackupRestore } from '../../output/backup-output.js';

export default class BackupRestore extends GatewayCommand {
  static override summary = "Embedded profile: load a backup as the gateway's database, with the gateway stopped.";
  static override description =
    'Runs here, on the data directory (--data-dir), not through the gateway: checks the SHA-256, moves the current database aside to ' +
    'pgdata.before-restore-<time> and loads the backup. Backups are read from CARACAL_BACKUP_DIR, default <data-dir>/backups. ' +
    'A PostgreSQL dump is restored with the runbook instead: gunzip -c <file> | psql <empty database>.';

  static override examples = [
    { description: 'Stop the gateway first.', command: 'caracal backup restore --backup-id <backup-id>' },
    { description: 'Another data directory.', command: 'caracal backup restore --backup-id <backup-id> --data-dir /srv/caracal' },
  ];

  static override flags = {
    'backup-id': Flags.string({ summary: 'Id of the backup (caracal backup list).', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BackupRestore);
    const dataDir = resolveDataDir(flags['data-dir']);
    const directory = new BackupDirectory(process.env.CARACAL_BACKUP_DIR || join(dataDir, 'backups'));
    let result;
    try {
      result = await restorePgliteBackup(directory, flags['backup-id'], dataDir);
    } catch (error) {
      if (error instanceof DomainError || error instanceof DataDirLockedError) throw new CliError(error.message, EXIT_GATEWAY_FAILURE);
      throw error;
    }
    this.show(flags, result, formatBackupRestore);
  }
}
