import { Agent } from 'undici';
import { publicOnlyLookup } from '../targets/guarded-lookup.js';

/**
 * Two keep-alive pools: `publicOnly` for agent-chosen URLs (its DNS lookup refuses non-public
 * addresses at connect time), `trusted` for configured upstreams and for hosts an allowlist
 * entry names explicitly. Neither follows redirects (undici never does unless asked).
 */
export interface UpstreamDispatchers {
  publicOnly: Agent;
  trusted: Agent;
  close(): Promise<void>;
}

export function createUpstreamDispatchers(timeoutMs: number): UpstreamDispatchers {
  const common = { keepAliveTimeout: 30_000, connections: 256, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const publicOnly = new Agent({ ...common, connect: { lookup: publicOnlyLookup, timeout: 10_000 } });
  const trusted = new Agent({ ...common, connect: { timeout: 10_000 } });
  return {
    publicOnly,
    trusted,
    async close() {
      await Promise.all([publicOnly.close(), trusted.close()]);
    },
  };
}
