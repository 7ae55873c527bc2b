import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { consumerLag, DlqStore, type ProcessorHost, type ProcessorRegistry } from '@caracal/processing';
import { kafkaConsumerLag, type KafkaConsumerGroup } from '@caracal/messaging';
import { startMetricsServer, type KafkaBusRuntime, type Storage } from '@caracal/runtime';


/**
 * Events the projector's merkle-sealer refused (reason="event_refused"), under the name and label
 * the gateway counts its verification findings with, so the Merkle alert and dashboard see both.
 * Made before the sealer (which counts into it) and registered with the rest by projectorMetrics.
 */
export function merkleVerificationFailures(): Counter<'reason'> {
  return new Counter({
    name: 'caracal_merkle_verification_failures_total',
    help: 'Merkle verification findings, by reason; on the projector: events its merkle-sealer refused (event_refused).',
    labelNames: ['reason'] as const,
    registers: [],
  });
}

/**
 * The projector's /metrics: consumer lag per group (per partition for the Kafka consumer groups;
 * partition="log" for a store-based processor, which reads the one log), DLQ size, which
 * processors this replica runs.
 */
export async function projectorMetrics(
  host: ProcessorHost, storage: Storage, processors: ProcessorRegistry, port: number, listenHost: string,
  bus: KafkaBusRuntime | null = null, consumers: readonly KafkaConsumerGroup[] = [], merkleFailures: Counter<'reason'> | null = null,
): Promise<{ port: number; close(): Promise<void> }> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'caracal_' });
  if (merkleFailures) registry.registerMetric(merkleFailures);
  const dlq = new DlqStore(storage.client, storage.store, processors);
  const lag = new Gauge({
    name: 'caracal_kafka_consumer_lag',
    help: 'Events behind: per partition of the topic (committed offset to high watermark) for a Kafka consumer group, the log for a store-based processor.',
    labelNames: ['consumer_group', 'partition'] as const,
    registers: [registry],
    async collect() {
      for (const status of host.status()) {
        const current = await consumerLag(storage.client, storage.store, { name: status.processor, version: status.version }).catch(() => null);
        if (current) lag.set({ consumer_group: status.processor, partition: 'log' }, Number(current.eventsBehind));
      }
      if (!bus) return;
      for (const consumer of consumers) {
        const current = await kafkaConsumerLag(bus.kafka, storage.client, bus.topic, consumer.groupId, { sessionTimeoutMs: bus.config.sessionTimeoutMs, oldestUnconsumed: false }).catch(() => null);
        for (const partition of current?.partitions ?? []) lag.set({ consumer_group: consumer.groupId, partition: String(partition.partition) }, Number(partition.lag));
      }
    },
  });
  const dlqSize = new Gauge({
    name: 'caracal_dlq_size',
    help: 'Events parked in the dead-letter queue.',
    registers: [registry],
    async collect() {
      const size = await dlq.size().catch(() => null);
      if (size !== null) dlqSize.set(size);
    },
  });
  const active = new Gauge({
    name: 'caracal_processor_active',
    help: '1 when this replica holds the processor\'s lease (active), 0 when it stands by.',
    labelNames: ['consumer_group'] as const,
    registers: [registry],
    collect() {
      for (const status of host.status()) active.set({ consumer_group: status.processor }, status.state === 'active' ? 1 : 0);
      // A Kafka consumer group member is active while it holds partitions.
      for (const consumer of consumers) active.set({ consumer_group: consumer.groupId }, consumer.status().partitions.length > 0 ? 1 : 0);
    },
  });
  const server = await startMetricsServer(registry, port, listenHost);
  return {
    port: server.port,
    close: () => new Promise<void>((resolve) => server.server.close(() => resolve())),
  };
}
