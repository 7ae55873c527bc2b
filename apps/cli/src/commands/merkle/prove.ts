import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_GATEWAY_FAILURE, EXIT_USAGE, ReportedFailure } from '../../cli-error.js';
import type { MerkleInclusionProof } from '@caracal/api-contract';
import { checkInclusionProof } from '../../merkle-proof-check.js';
import { trustedPublicKeys } from '../../merkle-public-keys.js';
import { formatInclusionVerification } from '../../output/merkle-proof-output.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default class MerkleProve extends GatewayCommand {
  static override summary = "Fetch an event's inclusion proof against a signed tree head and verify it locally.";
  static override description =
    "Recomputes the event's leaf hash from its fields, checks the audit path leads to the head's root, and checks the head's Ed25519 " +
    'signature with --public-key (your own trusted copy) or else the keys the gateway lists. Exits 1 when anything does not verify.';

  static override examples = [
    { description: 'Prove an event is in the latest signed head.', command: 'caracal merkle prove --event-id <event-id>' },
    {
      description: 'Against a given batch, with your own copy of the public keys.',
      command: 'caracal merkle prove --event-id <event-id> --batch-id 12 --public-key ./merkle-public-keys.pem',
    },
  ];

  static override flags = {
    'event-id': Flags.string({ summary: 'Id of the event to prove.', required: true }),
    'batch-id': Flags.string({ summary: 'Prove against this batch’s head (default: the latest).' }),
    'public-key': Flags.string({ summary: 'PEM file of trusted public keys (repeatable). Default: GET /v1/merkle/keys.', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MerkleProve);
    const eventId = flags['event-id'].toLowerCase();
    const batchId = flags['batch-id'];
    if (!UUID.test(eventId)) throw new CliError(`--event-id expects an event id (UUID); got "${flags['event-id']}".`, EXIT_USAGE);
    if (batchId !== undefined && !/^[1-9][0-9]*$/.test(batchId)) throw new CliError(`--batch-id expects a positive integer; got "${batchId}".`, EXIT_USAGE);
    const gateway = this.gateway(flags);
    const trusted = await trustedPublicKeys(flags['public-key'], () => gateway);
    const document = await gateway.get<MerkleInclusionProof>('/v1/merkle/proofs/inclusion', { eventId, batchId });
    const verification = checkInclusionProof(document, { eventId, batchId }, trusted.keys);
    this.log(flags.json
      ? JSON.stringify({ proof: document, verification }, null, 2)
      : formatInclusionVerification(eventId, document, verification, trusted.source));
    if (!verification.ok) throw new ReportedFailure(EXIT_GATEWAY_FAILURE);
  }
}
