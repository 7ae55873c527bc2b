import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { SnapshotRestore as SnapshotRestoreAnswer } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatSnapshotRestore } from '../../output/snapshot-output.js';

export default class SnapshotRestore extends GatewayCommand {
  static override summary = 'Load a snapshot into the emptied read models and put each processor back at its checkpoint.';
  static override description =
    'Run after `caracal db reset --confirm`, with the processors stopped. Refused, with nothing written, when the snapshot fails its ' +
    'checksum, was taken from another event log, or the read models are not empty.';

  static override examples = [{ description: 'Event replay recovery (runbook).', command: 'caracal snapshot restore --snapshot-id <snapshot-id>' }];

  static override flags = {
    'snapshot-id': Flags.string({ summary: 'Id of the snapshot (caracal snapshot list).', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SnapshotRestore);
    const result = await this.gateway(flags).post<SnapshotRestoreAnswer>(apiPath('snapshots', flags['snapshot-id'], 'restore'), {});
    this.show(flags, result, formatSnapshotRestore);
  }
}
