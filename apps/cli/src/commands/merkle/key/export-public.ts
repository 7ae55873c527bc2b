import { writeFile } from 'node:fs/promises';
import * as Flags from '@oclif/core/flags';
import { loadSigningKeyFile, SigningKeyLoadError } from '@caracal/sealing';
import { GatewayCommand } from '../../../base-command.js';
import { CliError, EXIT_USAGE } from '../../../cli-error.js';
import type { MerkleKey } from '@caracal/api-contract';
import { formatPublicKeys } from '../../../output/merkle-proof-output.js';
import { count } from '../../../output/plural.js';

export default class MerkleKeyExportPublic extends GatewayCommand {
  static override summary = "Print or write Merkle public keys (PEM, with key ids): of a private key file, or every key the gateway lists.";
  static override description =
    'With --key-file the public key is derived locally from the private key (the file must be mode 0600 or stricter). Without it, ' +
    'every registered key (retired ones too, so old heads verify) comes from GET /v1/merkle/keys. The PEM file --out writes is what ' +
    '`caracal merkle prove|consistency --public-key` read.';

  static override examples = [
    { description: "The gateway's keys, to keep as an auditor's trusted copy.", command: 'caracal merkle key export-public --out ./merkle-public-keys.pem' },
    { description: 'The public half of a local key file.', command: 'caracal merkle key export-public --key-file /etc/caracal/merkle-signing-key.pem' },
  ];

  static override flags = {
    'key-file': Flags.string({ summary: 'Private key file to derive the public key from (no gateway call).' }),
    out: Flags.string({ summary: 'Write the PEM(s) to this file instead of printing them.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MerkleKeyExportPublic);
    let keys: Pick<MerkleKey, 'keyId' | 'publicKeyPem' | 'retiredAt'>[];
    if (flags['key-file'] !== undefined) {
      try {
        const signer = await loadSigningKeyFile(flags['key-file']);
        keys = [{ keyId: signer.keyId, publicKeyPem: signer.publicKeyPem, retiredAt: null }];
      } catch (error) {
        if (error instanceof SigningKeyLoadError) throw new CliError(error.message, EXIT_USAGE);
        throw error;
      }
    } else {
      keys = (await this.gateway(flags).get<{ items: MerkleKey[] }>('/v1/merkle/keys')).items;
    }
    const pem = `${formatPublicKeys(keys)}\n`;
    if (flags.out !== undefined) {
      if (keys.length === 0) throw new CliError('no public key to write: the gateway lists none yet (it registers its key with its first sealed batch).', EXIT_USAGE);
      try {
        await writeFile(flags.out, pem);
      } catch (error) {
        throw new CliError(`--out ${flags.out}: cannot write: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT_USAGE);
      }
    }
    if (flags.json) this.log(JSON.stringify({ items: keys }, null, 2));
    else this.log(flags.out === undefined ? pem.trimEnd() : `Wrote ${count(keys.length, 'public key', 'public keys')} to ${flags.out}: ${keys.map((key) => key.keyId).join(', ')}`);
  }
}
