import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ProcessorHost } from '../../../../libs/processing/src/index.js';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LogLevel } from '@nestjs/common';
import type { CaracalConfig } from '../../../../libs/config/src/index.js';
import { resolveAdminToken } from './admin-token.js';
import { createGatewayApp } from './create-gateway-app.js';
import { gatewayDependencies } from './gateway-dependencies.js';
import { openStorage, startMetricsServer } from '../../../../libs/runtime/src/index.js';


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
  const storage = await openStorage(config);
  const deps = await gatewayDependencies(config, storage, token);
  // The embedded profile is one process: it runs the processors itself.
  const processors = config.runProcessors
    ? new ProcessorHost({ client: storage.client, store: storage.store, registry: deps.registry, names: config.processors, owner: `gateway-${hostname()}-${process.pid}`, tuning: { leaseMs: config.processorLeaseMs } })
    : null;
  let app: NestFastifyApplication;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>>;
  try {
    app = await createGatewayApp(deps, logLevels);
    await app.listen({ port: config.port, host: config.host });
    metricsServer = await startMetricsServer(deps.metrics.registry, config.metricsPort, config.host);
    processors?.start();
  } catch (error) {
    await processors?.stop();
    await deps.dispatchers.close();
    deps.redis?.disconnect();
    await storage.client.close();
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  if (config.profile === 'embedded') {
    writeFileSync(join(config.dataDir, 'gateway.json'), `${JSON.stringify({ url, pid: process.pid }, null, 2)}\n`);
  }
  return {
    url,
    app,
    adminTokenSource: source,
    storageLocation: storage.location,
    metricsUrl: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${metricsServer.port}/metrics`,
    async close() {
      await processors?.stop();
      await app.close();
      await new Promise<void>((resolve) => metricsServer.server.close(() => resolve()));
      await deps.dispatchers.close();
      deps.redis?.disconnect();
      await storage.client.close();
    },
  };
}
