import { spawnLogged, waitForLog } from '../child-process.js';
import type { MockUpstream } from '../mock-upstream.js';
import { CHAT_BODY, type BenchPath } from './path.js';

/** The gateway's HTTP stack with no enforcement (bare-proxy-server.ts): the floor under Caracal's added latency. */
export function bareProxyPath(mock: MockUpstream, workDir: string, nodeFlags: readonly string[]): BenchPath {
  return {
    name: 'Fastify + undici proxy, no enforcement (the gateway\'s stack)',
    measuresC1: true,
    database: null,
    async start() {
      const script = new URL('../bare-proxy-server.js', import.meta.url).pathname;
      const child = spawnLogged('bare-proxy', process.execPath, [...nodeFlags, script, mock.url], { env: {}, cwd: workDir, logDir: workDir });
      const origin = await waitForLog(child, /listening on (http:\/\/\S+)/);
      return {
        request: { origins: [origin], path: '/proxy/openai/v1/chat/completions', headerSets: [{ 'content-type': 'application/json' }], body: CHAT_BODY },
        processes: [child],
        stop: () => child.stop(),
      };
    },
    dispose: async () => {},
  };
}
