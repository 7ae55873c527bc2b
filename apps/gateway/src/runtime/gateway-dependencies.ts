import type { CaracalConfig } from '@caracal/config';
import { kafkaBusRuntime, projectionRuntime, resolveMerkleSigner, type Storage } from '@caracal/runtime';
import type { MerkleSigner } from '@caracal/sealing';
import { readFile } from 'node:fs/promises';
import { defaultPricebookPath, parsePricebook } from '@caracal/pricing';
import type { GatewayDependencies } from '../app.module.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { createUpstreamDispatchers } from '../proxy/upstream-dispatchers.js';

/**
 * Everything the Nest app is built around, made once per process (main) or per test. `signer`:
 * the merkle-sealer's key; undefined: the configured one if any (never generated here: the
 * embedded key file is startGateway's business); null: no sealer.
 */
export async function gatewayDependencies(
  config: CaracalConfig,
  storage: Pick<Storage, 'client' | 'store'> & Partial<Pick<Storage, 'eventKeys'>>,
  adminToken: string,
  signer?: MerkleSigner | null,
): Promise<GatewayDependencies> {
  // The shipped (or configured) file is the pricebook until a version is published through the API.
  const document = JSON.parse(await readFile(config.pricebookPath ?? defaultPricebookPath(), 'utf8')) as Record<string, unknown>;
  const pricebook = { book: parsePricebook(document), document, publishedAt: null };
  const metrics = new GatewayMetrics();
  metrics.countOpenReservationsWith(async () => {
    const { rows } = await storage.client.query<{ n: string }>('SELECT coalesce(sum(open_holds), 0)::text AS n FROM budget_open_holds');
    return Number(rows[0].n);
  });
  const merkleSigner = signer !== undefined
    ? signer
    : config.merkle.signingKeyFile || config.merkle.signingKeyPem ? await resolveMerkleSigner(config, { generate: false }) : null;
  const merkle = merkleSigner
    ? {
        signer: merkleSigner, batchLeaves: config.merkle.batchLeaves, maxBatchAgeMs: config.merkle.maxBatchAgeMs, eventKeys: storage.eventKeys ?? null,
        onRefused: () => metrics.merkleVerificationFailures.inc({ reason: 'event_refused' }),
      }
    : null;
  const { registry, redis, sealer } = projectionRuntime(config.redisUrl, storage.client, merkle);
  const kafkaBus = kafkaBusRuntime(config, registry);
  return {
    kafkaBus,
    sealer,
    client: storage.client,
    registry,
    redis,
    store: storage.store,
    adminToken,
    proxy: config.proxy,
    snapshots: { keep: config.snapshotKeep, busyPercent: config.snapshotBusyPercent },
    backups: { directory: config.backupDir, databaseUrl: config.profile === 'production' ? config.database.url : null },
    pricebook,
    metrics,
    dispatchers: createUpstreamDispatchers(config.proxy.upstreamTimeoutMs),
  };
}
