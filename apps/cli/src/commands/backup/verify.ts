import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { EXIT_GATEWAY_FAILURE, ReportedFailure } from '../../cli-error.js';
import type { BackupVerification } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatBackupVerification } from '../../output/backup-output.js';

export default class BackupVerify extends GatewayCommand {
  static override summary = "Check a backup's file against its SHA-256; with --trial-restore also restore it into a scratch database and verify its Merkle log.";
  static override description =
    'The trial restore loads the backup as an operator would (psql for a SQL dump, PGlite for a data directory) into a scratch database ' +
    'that is dropped afterwards, compares its log head and Merkle head with the manifest, and runs merkle verify-range over the whole ' +
    'restored log. Exits 1 when anything fails.';

  static override examples = [
    { description: 'The checksum.', command: 'caracal backup verify --backup-id <backup-id>' },
    { description: 'A full trial restore.', command: 'caracal backup verify --backup-id <backup-id> --trial-restore' },
  ];

  static override flags = {
    'backup-id': Flags.string({ summary: 'Id of the backup (caracal backup list).', required: true }),
    'trial-restore': Flags.boolean({ summary: 'Also restore it into a scratch database and run merkle verify-range over it.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BackupVerify);
    const result = await this.gateway(flags).post<BackupVerification>(apiPath('backups', flags['backup-id'], 'verify'), { trialRestore: flags['trial-restore'] });
    this.show(flags, result, formatBackupVerification);
    if (!result.ok) throw new ReportedFailure(EXIT_GATEWAY_FAILURE);
  }
}
