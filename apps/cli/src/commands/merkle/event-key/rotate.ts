import { join, resolve } from 'node:path';
import * as Flags from '@oclif/core/flags';
import { DEFAULT_DATA_DIR, EMBEDDED_EVENT_KEY_FILE } from '@caracal/api-contract';
import { EventKeyLoadError, rotateEventKeyFile } from '@caracal/sealing';
import { GatewayCommand } from '../../../base-command.js';
import { CliError, EXIT_USAGE } from '../../../cli-error.js';

export default class MerkleEventKeyRotate extends GatewayCommand {
  static override summary = 'Replace the event authentication key file with a new key; events tagged under the old one still seal.';
  static override description =
    'Default file: CARACAL_EVENT_AUTH_KEY_FILE, else the embedded gateway\'s <data-dir>/event-auth-key. The old key is kept beside it ' +
    'as <file>.<key id prefix>.retired (mode 0600); the new one is renamed into place atomically. A sealer reading the file re-reads ' +
    'it before each batch and accepts both keys; a gateway tags with the new key from its next start. Delete the .retired file only ' +
    'once every event tagged under the old key is sealed: the sealer refuses an event under a key it no longer has. A key given in ' +
    'CARACAL_EVENT_AUTH_KEY (env) rotates through CARACAL_EVENT_AUTH_ACCEPTED_KEYS instead (docs/runbook.md).';

  static override examples = [
    { description: "The embedded gateway's key.", command: 'caracal merkle event-key rotate' },
    { description: 'A production key file (run where the gateway and the merkle-sealer read it).', command: 'caracal merkle event-key rotate --key-file /etc/caracal/event-auth-key' },
  ];

  static override flags = {
    'key-file': Flags.string({ summary: 'The event key file the gateway and the merkle-sealer use.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MerkleEventKeyRotate);
    const path = flags['key-file'] || process.env.CARACAL_EVENT_AUTH_KEY_FILE
      || join(resolve(flags['data-dir'] || process.env.CARACAL_DATA_DIR || DEFAULT_DATA_DIR), EMBEDDED_EVENT_KEY_FILE);
    let rotation;
    try {
      rotation = await rotateEventKeyFile(path);
    } catch (error) {
      if (error instanceof EventKeyLoadError) throw new CliError(error.message, EXIT_USAGE);
      throw error;
    }
    this.log(flags.json
      ? JSON.stringify({ keyFile: path, ...rotation }, null, 2)
      : [
        `Rotated the event authentication key in ${path}.`,
        `  old key id  ${rotation.oldKeyId} (kept as ${rotation.retiredPath})`,
        `  new key id  ${rotation.newKeyId}`,
        'The sealer accepts both; restart the gateways to tag with the new key. Keep the old one until every event tagged under it is sealed.',
      ].join('\n'));
  }
}
