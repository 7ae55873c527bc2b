import { hostname } from 'node:os';
import { loadConfig, type CaracalConfig } from '../../../libs/config/src/index.js';
import { ProcessorHost } from '../../../libs/processing/src/index.js';
import { ReplayJobTracker } from '../../../libs/recovery/src/index.js';
import { openStorage, projectionRuntime, resolveMerkleSigner, startSealTimer, type Storage } from '../../../libs/runtime/src/index.js';
import type { MerkleSigner } from '../../../libs/sealing/src/index.js';
import { projectorMetrics } from './projector-metrics.js';

/**
 * The production profile's processor deployment (runbook: caracal-ledger-writer,
 * caracal-metrics-aggregator). `CARACAL_PROCESSORS=ledger-writer-group` picks which ones run
 * here; several replicas may run: one holds each processor's lease, the others stand by.
 */
let config: CaracalConfig;
let storage: Storage;
let signer: MerkleSigner | null;
try {
  config = loadConfig();
  storage = await openStorage(config);
  signer = await resolveMerkleSigner(config, { generate: config.profile === 'embedded' });
} catch (error) {
  console.error(`caracal projector failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const { registry, redis, sealer } = projectionRuntime(
  config.redisUrl, storage.client,
  signer ? { signer, batchLeaves: config.merkle.batchLeaves, maxBatchAgeMs: config.merkle.maxBatchAgeMs, eventKeys: storage.eventKeys } : null,
);
const owner = `projector-${hostname()}-${process.pid}`;
// rebuildTogether: the processors that start from the same earliest checkpoint (a new database,
// or after `db reset` and a restart, which keeps the sealer where it was) catch up on one shared
// read of the log (docs/processing.md).
const host = new ProcessorHost({
  client: storage.client, store: storage.store, registry, names: config.processors, owner, tuning: { leaseMs: config.processorLeaseMs, lingerMs: config.processorLingerMs }, rebuildTogether: true,
});
const metrics = await projectorMetrics(host, storage, registry, config.metricsPort, config.host);
const replayTracker = new ReplayJobTracker({ client: storage.client, owner, status: () => host.status() });
host.start();
replayTracker.start();
const sealTimer = sealer ? startSealTimer({ client: storage.client, sealer, status: () => host.status() }) : null;
console.log(`Caracal projector ${owner} running ${host.status().map((s) => s.processor).join(', ')} on ${storage.location}; metrics on :${metrics.port}/metrics`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received: finishing the batches in hand`);
    void (async () => {
      await sealTimer?.stop();
      await replayTracker.stop();
      await host.stop();
      await metrics.close();
      redis?.disconnect();
      await storage.client.close();
      process.exit(0);
    })();
  });
}
