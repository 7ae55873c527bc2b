import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { EMBEDDED_SIGNING_KEY_FILE } from '@caracal/api-contract';
import type { CaracalConfig } from '@caracal/config';
import type { SqlClient } from '@caracal/event-store';
import type { ProcessorRunnerStatus } from '@caracal/processing';
import {
  loadRefreshingSigningKeyFile, MERKLE_SEALER, signerFromPrivateKey, writeSigningKeyFile, type MerkleSealer, type MerkleSigner,
} from '@caracal/sealing';


/**
 * The merkle-sealer's signer (docs/sealing.md "Signing keys"): CARACAL_MERKLE_SIGNING_KEY_FILE,
 * else CARACAL_MERKLE_SIGNING_KEY (PEM). With neither, `generate` (the embedded profile) uses
 * `<dataDir>/merkle-signing-key.pem`, creating it (mode 0600) on first start; otherwise there is
 * no signer: the sealer is not registered, with a warning. A configured key that cannot be loaded
 * is an error (a misconfiguration, reported without key material).
 * A key file is re-read when it changes (`caracal merkle key rotate`): the sealer signs its next
 * head with the new key, no restart. A key in the env var rotates by changing it and restarting.
 */
export async function resolveMerkleSigner(
  config: Pick<CaracalConfig, 'merkle' | 'dataDir'>,
  options: { generate: boolean; warn?: (message: string) => void },
): Promise<MerkleSigner | null> {
  const warn = options.warn ?? console.warn;
  if (config.merkle.signingKeyFile) return loadRefreshingSigningKeyFile(config.merkle.signingKeyFile, { warn });
  if (config.merkle.signingKeyPem) return signerFromPrivateKey(config.merkle.signingKeyPem, 'env CARACAL_MERKLE_SIGNING_KEY');
  if (!options.generate) {
    warn(
      'No Merkle signing key (CARACAL_MERKLE_SIGNING_KEY_FILE or CARACAL_MERKLE_SIGNING_KEY): merkle-sealer-group is not running, events are not sealed.',
    );
    return null;
  }
  const path = join(config.dataDir, EMBEDDED_SIGNING_KEY_FILE);
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await writeSigningKeyFile(path, pem);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Not the first start: the key written then stays the key.
  }
  return loadRefreshingSigningKeyFile(path, { warn });
}

/**
 * Calls `sealDue` every `intervalMs` in a transaction of its own, only while this process's
 * runner holds the sealer's lease (`isActive`), so an idle log's open batch still closes after T.
 * Ticks never overlap; a failing tick (database down) is reported and retried at the next one.
 */
export function startSealTimer(options: {
  client: Pick<SqlClient, 'transaction'>;
  sealer: Pick<MerkleSealer, 'sealDue'>;
  status: () => readonly ProcessorRunnerStatus[];
  intervalMs?: number;
  onError?: (error: unknown) => void;
}): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = (): void => {
    if (running) return;
    const active = options.status().some((status) => status.processor === MERKLE_SEALER && status.state === 'active');
    if (!active) return;
    running = options.client
      .transaction(async (tx) => { await options.sealer.sealDue(tx); })
      .catch((error: unknown) => (options.onError ?? ((e) => console.error(`merkle-sealer: sealDue failed: ${(e as Error).message}`)))(error))
      .finally(() => { running = null; });
  };
  const timer = setInterval(tick, options.intervalMs ?? 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
