import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { Snapshot } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';

export default class SnapshotDelete extends GatewayCommand {
  static override summary = 'Delete a read-model snapshot.';

  static override examples = [{ description: 'Drop an old snapshot.', command: 'caracal snapshot delete --snapshot-id <snapshot-id>' }];

  static override flags = {
    'snapshot-id': Flags.string({ summary: 'Id of the snapshot (caracal snapshot list).', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SnapshotDelete);
    const snapshotId = flags['snapshot-id'];
    const deleted = await this.gateway(flags).delete<Snapshot>(apiPath('snapshots', snapshotId));
    this.show(flags, deleted, (snapshot) => `Deleted snapshot ${snapshot.snapshotId} (${snapshot.tag ?? 'no tag'}, created ${snapshot.createdAt}).`);
  }
}
