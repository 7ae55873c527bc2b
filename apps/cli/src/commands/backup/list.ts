import { GatewayCommand } from '../../base-command.js';
import type { BackupList as BackupListAnswer } from '@caracal/api-contract';
import { formatBackupList } from '../../output/backup-output.js';

export default class BackupList extends GatewayCommand {
  static override summary = 'List the backups in the gateway\'s backup directory, newest first: id, created, tag, type, log head, size, checksum.';

  static override examples = [{ description: 'All backups.', command: 'caracal backup list' }];

  async run(): Promise<void> {
    const { flags } = await this.parse(BackupList);
    this.show(flags, await this.gateway(flags).get<BackupListAnswer>('/v1/backups'), formatBackupList);
  }
}
