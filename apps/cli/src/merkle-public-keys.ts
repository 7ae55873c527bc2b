import { readFileSync } from 'node:fs';
import { keyIdOf } from '@caracal/merkle';
import { CliError, EXIT_USAGE } from './cli-error.js';
import type { MerkleKey } from '@caracal/api-contract';
import type { GatewayClient } from './gateway-client.js';

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/** The trusted public keys (key id → SPKI PEM) and where they came from, for the output. */
export interface TrustedKeys {
  keys: Map<string, string>;
  source: string;
}

/**
 * The keys heads are checked with: every PUBLIC KEY block of the --public-key files (the
 * auditor's own copy; `caracal merkle key export-public --out` writes several to one file), else
 * the gateway's GET /v1/merkle/keys — which only shows the heads are consistent with what the
 * gateway's database lists, not that the database was not rewritten.
 */
export async function trustedPublicKeys(files: readonly string[] | undefined, gateway: () => GatewayClient): Promise<TrustedKeys> {
  if (files === undefined || files.length === 0) {
    const { items } = await gateway().get<{ items: MerkleKey[] }>('/v1/merkle/keys');
    return { keys: new Map(items.map((key) => [key.keyId, key.publicKeyPem])), source: 'the gateway (GET /v1/merkle/keys)' };
  }
  const keys = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read --public-key ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT_USAGE);
    }
    const blocks = text.match(PEM_BLOCK) ?? [];
    if (blocks.length === 0) throw new CliError(`--public-key ${file} holds no "BEGIN PUBLIC KEY" PEM block.`, EXIT_USAGE);
    for (const pem of blocks) {
      try {
        keys.set(keyIdOf(pem), `${pem}\n`);
      } catch (error) {
        throw new CliError(`--public-key ${file}: ${(error as Error).message}`, EXIT_USAGE);
      }
    }
  }
  return { keys, source: files.join(', ') };
}
