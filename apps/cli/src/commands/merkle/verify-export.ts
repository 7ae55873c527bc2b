import { performance } from 'node:perf_hooks';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { ExportBundleError, verifyExportBundle } from '@caracal/sealing';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_GATEWAY_FAILURE, EXIT_USAGE, ReportedFailure } from '../../cli-error.js';
import { trustedPublicKeys } from '../../merkle-public-keys.js';
import { formatExportVerification } from '../../output/merkle-export-output.js';
import { formatVerificationRate } from '../../output/verification-rate.js';

export default class MerkleVerifyExport extends GatewayCommand {
  static override summary = 'Verify an export bundle offline: no gateway, no database.';
  static override description =
    'Checks the file hashes against manifest.json, every head signature, the chain from the anchor head, every batch root rebuilt ' +
    'from events.jsonl, the consistency proof and that every event is covered. With --public-key, ONLY those keys are trusted ' +
    "(the bundle's public-keys.json is ignored). Per batch OK/FAILED; exits 1 when anything failed. Reads only the directory.";

  static override examples = [
    { description: 'Verify a bundle.', command: 'caracal merkle verify-export ./audit-2024-01' },
    { description: 'Trust only your own copy of the public keys.', command: 'caracal merkle verify-export ./audit-2024-01 --public-key ./merkle-public-keys.pem' },
  ];

  static override args = {
    dir: Args.string({ description: 'The bundle directory written by `caracal merkle export`.', required: true }),
  };

  static override flags = {
    'public-key': Flags.string({ summary: "PEM file of trusted public keys (repeatable); replaces the bundle's public-keys.json.", multiple: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MerkleVerifyExport);
    const files = flags['public-key'];
    const trusted = files === undefined || files.length === 0
      ? undefined
      : [...(await trustedPublicKeys(files, () => { throw new CliError('verify-export never calls the gateway.', EXIT_USAGE); })).keys.values()];
    let result;
    const started = performance.now();
    try {
      result = await verifyExportBundle(args.dir, { trustedPublicKeys: trusted });
    } catch (error) {
      if (error instanceof ExportBundleError) throw new CliError(`${args.dir} is not a readable export bundle: ${error.message}`, EXIT_USAGE);
      throw error;
    }
    const elapsedMs = performance.now() - started;
    this.show(flags, result, formatExportVerification);
    if (!flags.json) console.error(formatVerificationRate(result.totals.events, elapsedMs));
    if (!result.ok) throw new ReportedFailure(EXIT_GATEWAY_FAILURE);
  }
}
