import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnLogged, waitForLog, type BenchChild } from './child-process.js';
import type { MockUpstream } from './mock-upstream.js';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const gatewayMain = (root: string) => join(root, 'dist/apps/gateway/src/main.js');
const projectorMain = (root: string) => join(root, 'dist/apps/projector/src/main.js');
export const ADMIN_TOKEN = 'bench-gateway-admin-token';

export interface CaracalGateway {
  url: string;
  child: BenchChild;
}

/** The production profile refuses to start without an event key; gateways and projector share this one. */
const EVENT_AUTH_KEY = randomBytes(32).toString('hex');

/** What every Caracal process of the benchmark shares: the mock as the OpenAI upstream, loopback only, one event key. */
export function caracalEnv(mock: MockUpstream, extra: Record<string, string>): Record<string, string> {
  return {
    CARACAL_ADMIN_TOKEN: ADMIN_TOKEN,
    CARACAL_EVENT_AUTH_KEY: EVENT_AUTH_KEY,
    CARACAL_UPSTREAM_OPENAI_URL: mock.url,
    OPENAI_API_KEY: 'sk-bench-provider',
    CARACAL_HOST: '127.0.0.1',
    CARACAL_PORT: '0',
    CARACAL_METRICS_PORT: '0',
    ...extra,
  };
}

/**
 * The built gateway (dist/apps/gateway/src/main.js of the checkout at `root`, this one unless a
 * baseline is measured) run with node's `nodeFlags` (the image's: imageGatewayNodeFlags), ready
 * when it logs where it listens.
 */
export async function startCaracalGateway(env: Record<string, string>, workDir: string, nodeFlags: readonly string[], root = REPO_ROOT): Promise<CaracalGateway> {
  const child = spawnLogged('caracal-gateway', process.execPath, [...nodeFlags, gatewayMain(root)], { env, cwd: workDir, logDir: workDir });
  try {
    return { url: await waitForLog(child, /listening on (http:\/\/\S+)/), child };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** The built projector (the production profile's processors) run with node's `nodeFlags`, ready when it logs its metrics port. */
export async function startCaracalProjector(env: Record<string, string>, workDir: string, root = REPO_ROOT, nodeFlags: readonly string[] = []): Promise<BenchChild> {
  const child = spawnLogged('caracal-projector', process.execPath, [...nodeFlags, projectorMain(root)], { env, cwd: workDir, logDir: workDir });
  try {
    await waitForLog(child, /metrics on :(\d+)/);
    return child;
  } catch (error) {
    await child.stop();
    throw error;
  }
}
