import type { CaracalConfig } from '../../../../libs/config/src/index.js';
import { loadPricebook } from '../../../../libs/pricing/src/index.js';
import type { GatewayDependencies } from '../app.module.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { createUpstreamDispatchers } from '../proxy/upstream-dispatchers.js';
import type { Storage } from './open-storage.js';

/** Everything the Nest app is built around, made once per process (main) or per test. */
export async function gatewayDependencies(config: CaracalConfig, storage: Pick<Storage, 'client' | 'store'>, adminToken: string): Promise<GatewayDependencies> {
  const pricebook = config.pricebookPath ? await loadPricebook(config.pricebookPath) : await loadPricebook();
  return {
    client: storage.client,
    store: storage.store,
    adminToken,
    proxy: config.proxy,
    pricebook,
    metrics: new GatewayMetrics(),
    dispatchers: createUpstreamDispatchers(config.proxy.upstreamTimeoutMs),
  };
}
