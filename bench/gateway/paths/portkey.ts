import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnLogged, waitForHttp } from '../child-process.js';
import { freePort } from '../free-port.js';
import type { MockUpstream } from '../mock-upstream.js';
import { CHAT_BODY, type BenchPath } from './path.js';

/**
 * The Portkey OSS gateway (@portkey-ai/gateway, a devDependency) as an LLM gateway without
 * enforcement: `x-portkey-custom-host` sends each call to the mock upstream.
 */
export function portkeyPath(mock: MockUpstream, workDir: string, serverScript: string | null): BenchPath {
  const script = serverScript ?? defaultPortkeyServer();
  return {
    name: 'Portkey OSS gateway (no enforcement)',
    measuresC1: true,
    database: null,
    async start() {
      const port = await freePort();
      const child = spawnLogged('portkey', process.execPath, [script, `--port=${port}`, '--headless'], { env: { NODE_ENV: 'production' }, cwd: workDir, logDir: workDir });
      const origin = `http://127.0.0.1:${port}`;
      await waitForHttp(child, `${origin}/`);
      const headers = {
        'content-type': 'application/json',
        authorization: 'Bearer sk-bench',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${mock.url}/v1`,
      };
      return { request: { origins: [origin], path: '/v1/chat/completions', headerSets: [headers], body: CHAT_BODY }, processes: [child], stop: () => child.stop() };
    },
    dispose: async () => {},
  };
}

function defaultPortkeyServer(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@portkey-ai/gateway/package.json')), 'build', 'start-server.js');
  } catch {
    throw new Error('@portkey-ai/gateway is not installed: run `npm install` (it is a devDependency), or pass --portkey-server <path to build/start-server.js>');
  }
}
