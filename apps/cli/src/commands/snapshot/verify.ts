import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { EXIT_GATEWAY_FAILURE, ReportedFailure } from '../../cli-error.js';
import type { SnapshotVerification } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatSnapshotVerification } from '../../output/snapshot-output.js';

export default class SnapshotVerify extends GatewayCommand {
  static override summary = "Hash a snapshot's stored bytes again and compare them with its checksum; exits 1 when they differ.";
  static override description = 'The outcome is the checksum state that caracal snapshot list shows.';

  static override examples = [{ description: 'Before relying on a snapshot.', command: 'caracal snapshot verify --snapshot-id <snapshot-id>' }];

  static override flags = {
    'snapshot-id': Flags.string({ summary: 'Id of the snapshot (caracal snapshot list).', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SnapshotVerify);
    const result = await this.gateway(flags).post<SnapshotVerification>(apiPath('snapshots', flags['snapshot-id'], 'verify'), {});
    this.show(flags, result, formatSnapshotVerification);
    if (!result.ok) throw new ReportedFailure(EXIT_GATEWAY_FAILURE);
  }
}
