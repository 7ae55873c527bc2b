import { createBenchDatabase, type BenchDatabase } from '../../support/bench-database.js';
import { spawnLogged, waitForLog, type BenchChild } from '../child-process.js';
import type { MockUpstream } from '../mock-upstream.js';
import { CHAT_BODY, type BenchPath } from './path.js';

export interface BareProxyOptions {
  name: string;
  /** Processes, each on its own port; the load is spread over them as over Caracal's gateways. */
  processes: number;
  /** Commit one row per request to a database of its own before forwarding (the durable hold's floor). */
  commit: { adminUrl: string; keepDb: boolean } | null;
}

/**
 * The gateway's HTTP stack with no enforcement (bare-proxy-server.ts): the floor under Caracal's
 * added latency; with several processes, how this machine scales processes that share nothing;
 * with `commit`, the floor under a durable hold per request.
 */
export function bareProxyPath(mock: MockUpstream, workDir: string, nodeFlags: readonly string[], options: BareProxyOptions): BenchPath {
  let db: BenchDatabase | null = null;
  const path: BenchPath = {
    name: options.name,
    measuresC1: true,
    database: null,
    async start() {
      if (options.commit !== null && db === null) {
        db = await createBenchDatabase(options.commit.adminUrl, 'bench_bare_commit', { keep: false, events: 0 });
        path.database = db.name;
      }
      const script = new URL('../bare-proxy-server.js', import.meta.url).pathname;
      const args = [...nodeFlags, script, mock.url, ...(db === null ? [] : [db.url])];
      const children: BenchChild[] = [];
      const origins: string[] = [];
      try {
        for (let i = 0; i < options.processes; i++) {
          const child = spawnLogged('bare-proxy', process.execPath, args, { env: {}, cwd: workDir, logDir: workDir });
          children.push(child);
          origins.push(await waitForLog(child, /listening on (http:\/\/\S+)/));
        }
      } catch (error) {
        await Promise.all(children.map((child) => child.stop()));
        throw error;
      }
      return {
        request: { origins, path: '/proxy/openai/v1/chat/completions', headerSets: [{ 'content-type': 'application/json' }], body: CHAT_BODY },
        processes: children,
        stop: async () => void (await Promise.all(children.map((child) => child.stop()))),
      };
    },
    async dispose() {
      if (db && !options.commit?.keepDb) await db.drop();
      else if (db) console.log(`kept database ${db.name}`);
    },
  };
  return path;
}
