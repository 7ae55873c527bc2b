import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_USAGE } from '../../cli-error.js';
import type { MerkleBatchHead } from '@caracal/api-contract';
import { formatBatchHeads } from '../../output/merkle-proof-output.js';

export default class MerkleListBatches extends GatewayCommand {
  static override summary = 'List sealed Merkle batches: their signed tree heads in batch order.';
  static override description = 'Batch id, tree size, first/last merkle index and recorded_at, the signing key id and when it was sealed.';

  static override examples = [
    { description: 'The first 100 batches.', command: 'caracal merkle list-batches' },
    { description: 'From batch 200 on, 20 of them.', command: 'caracal merkle list-batches --from-batch-id 200 --limit 20' },
  ];

  static override flags = {
    'from-batch-id': Flags.string({ summary: 'First batch id to list (default 1).' }),
    limit: Flags.integer({ summary: 'How many batches (1 to 1000, default 100).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MerkleListBatches);
    const from = flags['from-batch-id'];
    if (from !== undefined && !/^[1-9][0-9]*$/.test(from)) throw new CliError(`--from-batch-id expects a positive integer; got "${from}".`, EXIT_USAGE);
    const answer = await this.gateway(flags).get<{ items: MerkleBatchHead[] }>('/v1/merkle/batches', { fromBatchId: from, limit: flags.limit });
    this.show(flags, answer, (list) => formatBatchHeads(list.items));
  }
}
