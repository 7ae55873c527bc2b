import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ProcessorHost } from '@caracal/processing';
import { ReplayJobTracker } from '@caracal/recovery';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LogLevel } from '@nestjs/common';
import { GATEWAY_INFO_FILE } from '@caracal/api-contract';
import type { CaracalConfig } from '@caracal/config';
import { resolveAdminToken } from './admin-token.js';
import { createGatewayApp } from './create-gateway-app.js';
import { adminProjection } from '../read-models/admin.projection.js';
import { gatewayDependencies } from './gateway-dependencies.js';
import { BudgetStreamCommandQueue } from '../budget/budget-stream.command-queue.js';
import { kafkaConsumers, openStorage, resolveMerkleSigner, splitByBus, startMetricsServer, startSealTimer } from '@caracal/runtime';


export interface RunningGateway {
  url: string;
  app: NestFastifyApplication;
  adminTokenSource: string;
  storageLocation: string;
  metricsUrl: string;
  close(): Promise<void>;
}

/** Opens storage, builds the app, listens; the embedded profile tells the CLI where it is. */
export async function startGateway(config: CaracalConfig, logLevels?: LogLevel[]): Promise<RunningGateway> {
  const { token, source } = resolveAdminToken(config);
  // The admin views commit with the events that change them (docs/projections.md).
  const storage = await openStorage(config, { inlineProjections: [adminProjection] });
  let deps: Awaited<ReturnType<typeof gatewayDependencies>>;
  try {
    // Embedded: a signing key is generated into the data dir on first start. Production without
    // a key: no sealer (a warning), never a failed start.
    const signer = await resolveMerkleSigner(config, { generate: config.profile === 'embedded' });
    deps = await gatewayDependencies(config, storage, token, signer);
  } catch (error) {
    await storage.client.close();
    throw error;
  }
  // The embedded profile is one process: it runs the processors itself.
  const processorOwner = `gateway-${hostname()}-${process.pid}`;
  // CARACAL_BUS=kafka: the ledger writer and metrics aggregator run as Kafka consumer groups.
  const names = splitByBus(config.processors ?? deps.registry.names(), deps.kafkaBus ?? null);
  const consumers = config.runProcessors && deps.kafkaBus ? kafkaConsumers({ bus: deps.kafkaBus, names: names.kafka, registry: deps.registry, client: storage.client, owner: processorOwner }) : [];
  const processors = config.runProcessors
    ? new ProcessorHost({ client: storage.client, store: storage.store, registry: deps.registry, names: names.store, owner: processorOwner, tuning: { leaseMs: config.processorLeaseMs, lingerMs: config.processorLingerMs }, rebuildTogether: true })
    : null;
  // It runs the processors, so it reports the progress of a replay job they do (docs/recovery.md).
  const replayTracker = processors
    ? new ReplayJobTracker({ client: storage.client, owner: processorOwner, status: () => processors.status() })
    : null;
  let sealTimer: ReturnType<typeof startSealTimer> | null = null;
  let app: NestFastifyApplication;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>>;
  try {
    app = await createGatewayApp(deps, logLevels);
    await app.listen({ port: config.port, host: config.host });
    metricsServer = await startMetricsServer(deps.metrics.registry, config.metricsPort, config.host);
    processors?.start();
    for (const consumer of consumers) void consumer.start();
    replayTracker?.start();
    if (processors && deps.sealer) sealTimer = startSealTimer({ client: storage.client, sealer: deps.sealer, status: () => processors.status() });
  } catch (error) {
    await sealTimer?.stop();
    await replayTracker?.stop();
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await processors?.stop();
    await deps.dispatchers.close();
    deps.redis?.disconnect();
    await storage.client.close();
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${isEveryAddress(config.host) ? '127.0.0.1' : config.host}:${port}`;
  // One process per data directory in the embedded profile: nothing to forward to.
  const peerUrl = config.peerUrl ?? (isEveryAddress(config.host) ? null : url);
  if (config.profile === 'production' && peerUrl !== null) app.get(BudgetStreamCommandQueue).advertise(peerUrl);
  if (config.profile === 'embedded') {
    writeFileSync(join(config.dataDir, GATEWAY_INFO_FILE), `${JSON.stringify({ url, pid: process.pid }, null, 2)}\n`);
  }
  return {
    url,
    app,
    adminTokenSource: source,
    storageLocation: storage.location,
    metricsUrl: `http://${isEveryAddress(config.host) ? '127.0.0.1' : config.host}:${metricsServer.port}/metrics`,
    async close() {
      await sealTimer?.stop();
      await replayTracker?.stop();
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await processors?.stop();
      await deps.kafkaBus?.relay.close();
      await app.close();
      await new Promise<void>((resolve) => metricsServer.server.close(() => resolve()));
      await deps.dispatchers.close();
      deps.redis?.disconnect();
      await storage.client.close();
    },
  };
}

function isEveryAddress(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}
