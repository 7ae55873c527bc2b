import * as Flags from '@oclif/core/flags';
import { generateSigningKeyPair } from '@caracal/merkle';
import { writeSigningKeyFile } from '@caracal/sealing';
import { GatewayCommand } from '../../../base-command.js';
import { CliError, EXIT_USAGE } from '../../../cli-error.js';
import { formatPublicKeys } from '../../../output/merkle-proof-output.js';

export default class MerkleKeyGenerate extends GatewayCommand {
  static override summary = 'Generate a new Ed25519 Merkle signing key into a file (mode 0600); prints its key id and public key.';
  static override description =
    'Local only: no gateway is called. The private key (PKCS#8 PEM) is written to --out and never printed; an existing file is never ' +
    'overwritten. Point CARACAL_MERKLE_SIGNING_KEY_FILE at it, or use `caracal merkle key rotate` to replace a running key.';

  static override examples = [{ description: 'A key for a production gateway/projector.', command: 'caracal merkle key generate --out /etc/caracal/merkle-signing-key.pem' }];

  static override flags = {
    out: Flags.string({ summary: 'File to write the private key to (must not exist).', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MerkleKeyGenerate);
    const pair = generateSigningKeyPair();
    try {
      await writeSigningKeyFile(flags.out, pair.privateKeyPem);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new CliError(`--out ${flags.out} already exists; a signing key is never overwritten.`, EXIT_USAGE);
      throw new CliError(`--out ${flags.out}: cannot write the key: ${code ?? (error as Error).message}`, EXIT_USAGE);
    }
    const key = { keyId: pair.keyId, publicKeyPem: pair.publicKeyPem, retiredAt: null };
    this.log(flags.json
      ? JSON.stringify({ keyId: pair.keyId, publicKeyPem: pair.publicKeyPem, privateKeyFile: flags.out }, null, 2)
      : `Wrote the private key to ${flags.out} (mode 0600).\n${formatPublicKeys([key])}`);
  }
}
