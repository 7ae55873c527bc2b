import { GatewayCommand } from '../../base-command.js';
import type { SnapshotList as SnapshotListAnswer } from '@caracal/api-contract';
import { formatSnapshotList } from '../../output/snapshot-output.js';

export default class SnapshotList extends GatewayCommand {
  static override summary = 'List the read-model snapshots, newest first: id, created, tag, position, events covered, size, checksum.';

  static override examples = [{ description: 'Runbook.', command: 'caracal snapshot list' }];

  async run(): Promise<void> {
    const { flags } = await this.parse(SnapshotList);
    this.show(flags, await this.gateway(flags).get<SnapshotListAnswer>('/v1/snapshots'), formatSnapshotList);
  }
}
