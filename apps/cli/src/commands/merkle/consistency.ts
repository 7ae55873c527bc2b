import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_GATEWAY_FAILURE, EXIT_USAGE, ReportedFailure } from '../../cli-error.js';
import type { MerkleConsistencyProof } from '@caracal/api-contract';
import { checkConsistencyProof } from '../../merkle-proof-check.js';
import { trustedPublicKeys } from '../../merkle-public-keys.js';
import { formatConsistencyVerification } from '../../output/merkle-proof-output.js';

const BATCH_ID = /^[1-9][0-9]*$/;

export default class MerkleConsistency extends GatewayCommand {
  static override summary = "Fetch the consistency proof between two signed tree heads and verify it locally: the later log extends the earlier one.";
  static override description =
    "Checks both heads' Ed25519 signatures with --public-key (your own trusted copy) or else the keys the gateway lists, and the RFC 9162 " +
    'consistency proof between their roots. Exits 1 when anything does not verify.';

  static override examples = [
    { description: 'Nothing sealed in batch 1 was rewritten by batch 40.', command: 'caracal merkle consistency --from 1 --to 40' },
    { description: 'With your own copy of the public keys.', command: 'caracal merkle consistency --from 1 --to 40 --public-key ./merkle-public-keys.pem' },
  ];

  static override flags = {
    from: Flags.string({ summary: 'The earlier batch id.', required: true }),
    to: Flags.string({ summary: 'The later batch id (≥ --from).', required: true }),
    'public-key': Flags.string({ summary: 'PEM file of trusted public keys (repeatable). Default: GET /v1/merkle/keys.', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MerkleConsistency);
    for (const name of ['from', 'to'] as const) {
      if (!BATCH_ID.test(flags[name])) throw new CliError(`--${name} expects a batch id (positive integer); got "${flags[name]}".`, EXIT_USAGE);
    }
    if (BigInt(flags.from) > BigInt(flags.to)) throw new CliError(`--from ${flags.from} is after --to ${flags.to}.`, EXIT_USAGE);
    const gateway = this.gateway(flags);
    const trusted = await trustedPublicKeys(flags['public-key'], () => gateway);
    const document = await gateway.get<MerkleConsistencyProof>('/v1/merkle/proofs/consistency', { fromBatchId: flags.from, toBatchId: flags.to });
    const verification = checkConsistencyProof(document, { fromBatchId: flags.from, toBatchId: flags.to }, trusted.keys);
    this.log(flags.json ? JSON.stringify({ proof: document, verification }, null, 2) : formatConsistencyVerification(document, verification, trusted.source));
    if (!verification.ok) throw new ReportedFailure(EXIT_GATEWAY_FAILURE);
  }
}
