import { hostname } from 'node:os';
import { loadConfig, type CaracalConfig } from '@caracal/config';
import { ProcessorHost } from '@caracal/processing';
import { ReplayJobTracker } from '@caracal/recovery';
import { kafkaBusRuntime, kafkaConsumers, openStorage, projectionRuntime, resolveMerkleSigner, splitByBus, startSealTimer, type Storage } from '@caracal/runtime';
import { MERKLE_SEALER, type MerkleSigner } from '@caracal/sealing';
import { merkleVerificationFailures, projectorMetrics } from './projector-metrics.js';

/**
 * The production profile's processor deployment (runbook: caracal-ledger-writer,
 * caracal-metrics-aggregator). `CARACAL_PROCESSORS=ledger-writer-group` picks which ones run
 * here; several replicas may run: one holds each processor's lease, the others stand by. With
 * CARACAL_BUS=kafka the ledger writer and metrics aggregator are Kafka consumer groups instead
 * (replicas share the partitions) and kafka-relay publishes the log to the topic (docs/kafka.md).
 */
let config: CaracalConfig;
let storage: Storage;
let signer: MerkleSigner | null;
try {
  config = loadConfig();
  signer = await resolveMerkleSigner(config, { generate: config.profile === 'embedded' });
  // The sealer checks every event's tag: a projector that runs it needs the event key (fail closed).
  const seals = signer !== null && (config.processors === null || config.processors.includes(MERKLE_SEALER));
  storage = await openStorage(config, { eventKeyRequired: seals });
} catch (error) {
  console.error(`caracal projector failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const merkleFailures = merkleVerificationFailures();
const { registry, redis, sealer } = projectionRuntime(
  config.redisUrl, storage.client,
  signer
    ? {
        signer, batchLeaves: config.merkle.batchLeaves, maxBatchAgeMs: config.merkle.maxBatchAgeMs, eventKeys: storage.eventKeys,
        onRefused: () => merkleFailures.inc({ reason: 'event_refused' }),
      }
    : null,
);
const bus = kafkaBusRuntime(config, registry);
const owner = `projector-${hostname()}-${process.pid}`;
const names = splitByBus(config.processors ?? registry.names(), bus);
// rebuildTogether: the processors that start from the same earliest checkpoint (a new database,
// or after `db reset` and a restart, which keeps the sealer where it was) catch up on one shared
// read of the log (docs/processing.md).
const host = new ProcessorHost({
  client: storage.client, store: storage.store, registry, names: names.store, owner, tuning: { leaseMs: config.processorLeaseMs, lingerMs: config.processorLingerMs }, rebuildTogether: true,
});
const consumers = bus ? kafkaConsumers({ bus, names: names.kafka, registry, client: storage.client, owner }) : [];
const metrics = await projectorMetrics(host, storage, registry, config.metricsPort, config.host, bus, consumers, merkleFailures);
const replayTracker = new ReplayJobTracker({ client: storage.client, owner, status: () => host.status() });
host.start();
for (const consumer of consumers) void consumer.start();
replayTracker.start();
const sealTimer = sealer ? startSealTimer({ client: storage.client, sealer, status: () => host.status() }) : null;
console.log(`Caracal projector ${owner} running ${[...host.status().map((s) => s.processor), ...consumers.map((c) => `${c.groupId} (kafka)`)].join(', ')} on ${storage.location}; metrics on :${metrics.port}/metrics`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received: finishing the batches in hand`);
    void (async () => {
      await sealTimer?.stop();
      await replayTracker.stop();
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await host.stop();
      await bus?.relay.close();
      await metrics.close();
      redis?.disconnect();
      await storage.client.close();
      process.exit(0);
    })();
  });
}
