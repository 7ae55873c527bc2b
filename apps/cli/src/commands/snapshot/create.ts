import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { Snapshot } from '@caracal/api-contract';
import { formatSnapshot } from '../../output/snapshot-output.js';

export default class SnapshotCreate extends GatewayCommand {
  static override summary = 'Snapshot every read model (ledger, spending) with the checkpoint it is consistent with.';
  static override description =
    'One snapshot-isolated read while the gateway keeps serving; stored compressed in the database with a SHA-256. ' +
    'Restore it with `caracal snapshot restore` after `caracal db reset --confirm`.';

  static override examples = [
    { description: 'Before an upgrade (runbook).', command: 'caracal snapshot create' },
    { description: 'With a label.', command: 'caracal snapshot create --tag before-upgrade' },
  ];

  static override flags = {
    tag: Flags.string({ summary: 'A label to find the snapshot by, e.g. before-upgrade.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SnapshotCreate);
    const snapshot = await this.gateway(flags).post<Snapshot>('/v1/snapshots', flags.tag === undefined ? {} : { tag: flags.tag });
    this.show(flags, snapshot, formatSnapshot);
  }
}
