import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_GATEWAY_FAILURE, EXIT_USAGE, ReportedFailure } from '../../cli-error.js';
import type { MerkleBatchVerification } from '@caracal/api-contract';
import { apiPath } from '../../gateway-client.js';
import { formatBatchVerification } from '../../output/merkle-output.js';

export default class MerkleVerifyBatch extends GatewayCommand {
  static override summary = "Verify a sealed Merkle batch against the events as they are now: leaves, root, signature, chain, counts.";
  static override description =
    'Prints OK or FAILED with each finding (reason, batch, merkle index, event id, expected/actual). Exits 1 when the batch does not verify.';

  static override examples = [{ description: 'Verify a specific batch (runbook).', command: 'caracal merkle verify-batch --batch-id <batch-id>' }];

  static override flags = {
    'batch-id': Flags.string({ summary: 'Id of the sealed batch (1, 2, 3, ...).', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MerkleVerifyBatch);
    const batchId = flags['batch-id'];
    if (!/^[1-9][0-9]*$/.test(batchId)) throw new CliError(`--batch-id expects a positive integer; got "${batchId}".`, EXIT_USAGE);
    const result = await this.gateway(flags).get<MerkleBatchVerification>(apiPath('merkle', 'batches', batchId, 'verify'));
    this.show(flags, result, formatBatchVerification);
    if (!result.ok) throw new ReportedFailure(EXIT_GATEWAY_FAILURE);
  }
}
