import { join, resolve } from 'node:path';
import * as Flags from '@oclif/core/flags';
import { DEFAULT_DATA_DIR, EMBEDDED_SIGNING_KEY_FILE } from '@caracal/api-contract';
import { rotateSigningKeyFile, SigningKeyLoadError } from '@caracal/sealing';
import { GatewayCommand } from '../../../base-command.js';
import { CliError, EXIT_USAGE } from '../../../cli-error.js';

export default class MerkleKeyRotate extends GatewayCommand {
  static override summary = 'Replace the Merkle signing key file with a new key; the running sealer signs its next head with it.';
  static override description =
    'Default file: CARACAL_MERKLE_SIGNING_KEY_FILE, else the embedded gateway\'s <data-dir>/merkle-signing-key.pem. The old key is kept ' +
    'beside it as <file>.<key id prefix>.retired (mode 0600); the new one is renamed into place atomically. The sealer re-reads the ' +
    'file before each seal, registers the new public key and marks the old one retired; heads of both keys keep verifying. A key ' +
    'given in CARACAL_MERKLE_SIGNING_KEY (env) rotates by changing the secret and restarting instead.';

  static override examples = [
    { description: "The embedded gateway's key.", command: 'caracal merkle key rotate' },
    { description: 'A production key file (run where the gateway/projector read it).', command: 'caracal merkle key rotate --key-file /etc/caracal/merkle-signing-key.pem' },
  ];

  static override flags = {
    'key-file': Flags.string({ summary: 'The signing key file the gateway/projector use.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MerkleKeyRotate);
    const path = flags['key-file'] || process.env.CARACAL_MERKLE_SIGNING_KEY_FILE
      || join(resolve(flags['data-dir'] || process.env.CARACAL_DATA_DIR || DEFAULT_DATA_DIR), EMBEDDED_SIGNING_KEY_FILE);
    let rotation;
    try {
      rotation = await rotateSigningKeyFile(path);
    } catch (error) {
      if (error instanceof SigningKeyLoadError) throw new CliError(error.message, EXIT_USAGE);
      throw error;
    }
    this.log(flags.json
      ? JSON.stringify({ keyFile: path, ...rotation }, null, 2)
      : [
        `Rotated the Merkle signing key in ${path}.`,
        `  old key id  ${rotation.oldKeyId} (kept as ${rotation.retiredPath})`,
        `  new key id  ${rotation.newKeyId}`,
        'The sealer signs its next head with the new key; `caracal merkle key export-public` lists both.',
      ].join('\n'));
  }
}
