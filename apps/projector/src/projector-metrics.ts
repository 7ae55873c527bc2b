import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { consumerLag, DlqStore, type ProcessorHost, type ProcessorRegistry } from '@caracal/processing';
import { startMetricsServer, type Storage } from '@caracal/runtime';


/** The projector's /metrics: consumer lag per group, DLQ size, which processors this replica runs. */
export async function projectorMetrics(host: ProcessorHost, storage: Storage, processors: ProcessorRegistry, port: number, listenHost: string): Promise<{ port: number; close(): Promise<void> }> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'caracal_' });
  const dlq = new DlqStore(storage.client, storage.store, processors);
  const lag = new Gauge({
    name: 'caracal_kafka_consumer_lag',
    help: 'Events behind the head of the log, per consumer group.',
    labelNames: ['consumer_group'] as const,
    registers: [registry],
    async collect() {
      for (const status of host.status()) {
        const current = await consumerLag(storage.client, storage.store, { name: status.processor, version: status.version }).catch(() => null);
        if (current) lag.set({ consumer_group: status.processor }, Number(current.eventsBehind));
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
    },
  });
  const server = await startMetricsServer(registry, port, listenHost);
  return {
    port: server.port,
    close: () => new Promise<void>((resolve) => server.server.close(() => resolve())),
  };
}
