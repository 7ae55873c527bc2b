import { generateKeyPairSync } from 'node:crypto';
import { createBenchDatabase, type BenchDatabase } from '../../support/bench-database.js';
import { agentHeaders, CARACAL_OPENAI_PATH, createBenchAgents } from '../caracal-agents.js';
import { ADMIN_TOKEN, caracalEnv, startCaracalGateway, startCaracalProjector, type CaracalGateway } from '../caracal-processes.js';
import type { BenchChild } from '../child-process.js';
import type { MockUpstream } from '../mock-upstream.js';
import { processorsCaughtUp } from '../processors-caught-up.js';
import { CHAT_BODY, type BenchPath, type RunningPath } from './path.js';

export interface ProductionOptions {
  name: string;
  mock: MockUpstream;
  workDir: string;
  adminUrl: string;
  keepDb: boolean;
  /** Gateway processes, each on its own port; the load is spread over them. */
  gateways: number;
  /** Agents, each its own delegation root and so its own budget stream. */
  agents: number;
  measuresC1: boolean;
  /** Node's flags for the gateway processes (the image's, unless the run says otherwise). */
  nodeFlags: readonly string[];
  /** Node's flags for the projector (none unless the run says otherwise, e.g. to profile it). */
  projectorNodeFlags: readonly string[];
  /** The checkout whose build runs (--baseline: another build, measured beside this one). */
  root?: string;
  /**
   * The projector also seals (a signing key in its environment), as a deployment runs the
   * merkle-sealer (k8s/base/merkle-sealer.yaml): its CPU and database work per request are part
   * of what enforcement with an auditable ledger costs.
   */
  sealer: boolean;
}

const signingKeyPem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * Caracal's production profile on a PostgreSQL database of its own: `gateways` gateway
 * processes and one projector (the processors, the merkle-sealer among them unless `sealer` is off). The database and the agents are made on the
 * first start and kept across rounds, as a deployment would keep them.
 */
export function caracalProductionPath(options: ProductionOptions): BenchPath {
  let db: BenchDatabase | null = null;
  let keys: string[] = [];
  const path: BenchPath = {
    name: options.name,
    measuresC1: options.measuresC1,
    database: null,
    async start(): Promise<RunningPath> {
      if (!db) {
        db = await createBenchDatabase(options.adminUrl, 'bench_gateway', { keep: false, events: 0 });
        path.database = db.name;
      }
      const env = caracalEnv(options.mock, { DATABASE_URL: db.url });
      const started: BenchChild[] = [];
      try {
        const gateways: CaracalGateway[] = [];
        // One after the other: the first one creates the schema.
        for (let i = 0; i < options.gateways; i++) {
          const gateway = await startCaracalGateway(env, options.workDir, options.nodeFlags, options.root);
          started.push(gateway.child);
          gateways.push(gateway);
        }
        const projectorEnv = options.sealer ? { ...env, CARACAL_MERKLE_SIGNING_KEY: signingKeyPem } : env;
        started.push(await startCaracalProjector(projectorEnv, options.workDir, options.root, options.projectorNodeFlags));
        if (keys.length === 0) keys = await createBenchAgents(gateways[0].url, ADMIN_TOKEN, options.agents);
        return {
          request: { origins: gateways.map((g) => g.url), path: CARACAL_OPENAI_PATH, headerSets: keys.map(agentHeaders), body: CHAT_BODY },
          processes: started,
          processorsCaughtUp: () => processorsCaughtUp(gateways[0].url),
          stop: async () => void (await Promise.all(started.map((child) => child.stop()))),
        };
      } catch (error) {
        await Promise.all(started.map((child) => child.stop()));
        throw error;
      }
    },
    async dispose() {
      if (db && !options.keepDb) await db.drop();
      else if (db) console.log(`kept database ${db.name}`);
    },
  };
  return path;
}
