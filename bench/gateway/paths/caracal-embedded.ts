import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { agentHeaders, CARACAL_OPENAI_PATH, createBenchAgents } from '../caracal-agents.js';
import { ADMIN_TOKEN, caracalEnv, startCaracalGateway } from '../caracal-processes.js';
import type { MockUpstream } from '../mock-upstream.js';
import { processorsCaughtUp } from '../processors-caught-up.js';
import { CHAT_BODY, type BenchPath } from './path.js';

/**
 * Caracal embedded, as `npm start` runs it: one process, PGlite in a data directory of its own,
 * the processors in the same process. The data directory is kept across rounds. `root`: another
 * checkout's build to run instead (--baseline).
 */
export function caracalEmbeddedPath(mock: MockUpstream, workDir: string, nodeFlags: readonly string[], root?: { dir: string; name: string }): BenchPath {
  const dataDir = mkdtempSync(join(workDir, 'embedded-'));
  let key: string | null = null;
  return {
    name: root === undefined ? 'Caracal embedded (PGlite)' : `Caracal embedded (PGlite), build of ${root.name}`,
    measuresC1: true,
    database: null,
    async start() {
      const env = caracalEnv(mock, { CARACAL_PROFILE: 'embedded', CARACAL_DATA_DIR: join(dataDir, '.caracal') });
      const gateway = await startCaracalGateway(env, dataDir, nodeFlags, root?.dir);
      try {
        if (key === null) [key] = await createBenchAgents(gateway.url, ADMIN_TOKEN, 1);
      } catch (error) {
        await gateway.child.stop();
        throw error;
      }
      return {
        request: { origins: [gateway.url], path: CARACAL_OPENAI_PATH, headerSets: [agentHeaders(key)], body: CHAT_BODY },
        processes: [gateway.child],
        processorsCaughtUp: () => processorsCaughtUp(gateway.url),
        stop: () => gateway.child.stop(),
      };
    },
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
