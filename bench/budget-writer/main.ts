// Budget writers of 1, 2 and 4 processes on ONE hot budget stream: admissions per second, and how
// many appends lost the version race. Each process runs `--concurrency` callers doing reserve →
// settle in a loop for `--seconds`, through its own BudgetStreamWriter and PostgreSQL pool, as a
// gateway process would (without HTTP: this isolates the stream's contention).
//
//   npm run build && node dist/bench/budget-writer/main.js [--processes 1,2,4] [--seconds 8] [--concurrency 32] [--rounds 3]
//
// Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { BudgetStreamWriter } from '../../apps/gateway/src/budget/budget-stream.writer.js';
import { BudgetCommitGroup } from '../../apps/gateway/src/budget/budget-commit.group.js';
import { initialAgentState, type ReserveSpend } from '@caracal/domain';
import { createPostgresClient, runMigrations, SqlEventStore } from '@caracal/event-store';
import { createBenchDatabase } from '../support/bench-database.js';
import { describeSpread, median } from '../support/spread.js';
import { parseBenchFlags } from '../support/bench-flags.js';

interface WorkerResult {
  admitted: number;
  versionRaces: number;
}

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function runWorker(url: string, rootAgentId: string, seconds: number, concurrency: number): Promise<WorkerResult> {
  const client = createPostgresClient({ connectionString: url, max: 4 });
  const store = new SqlEventStore(client);
  let versionRaces = 0;
  const appended = store.append.bind(store);
  store.append = async (...args) => {
    try {
      return await appended(...args);
    } catch (error) {
      if ((error as Error).name === 'WrongExpectedVersionError') versionRaces++;
      throw error;
    }
  };
  const writer = new BudgetStreamWriter(rootAgentId, store, new BudgetCommitGroup(store), {
    onAppended: () => undefined,
  });
  const until = Date.now() + seconds * 1000;
  let admitted = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) {
      const reservationId = randomUUID();
      const reserve: ReserveSpend = {
        type: 'ReserveSpend', reservationId, requestId: reservationId, agentId: rootAgentId,
        agentChain: [{ agentId: rootAgentId, status: 'active' }], resource: 'https://api.example.com/x', model: null,
        amountNanos: 1_000n, currency: 'USD', now: new Date(), ttlMs: 60_000,
      };
      const outcome = await writer.submit(reserve);
      if (!outcome.ok) throw outcome.error;
      admitted++;
      void writer.submit({ type: 'SettleSpend', reservationId, amountNanos: 1_000n, usage: {}, pricebookVersion: 'bench', now: new Date() });
    }
  }));
  await writer.flush();
  await client.close();
  return { admitted, versionRaces };
}

async function main(): Promise<void> {
  const values = parseBenchFlags({
    processes: { type: 'string', default: '1,2,4' },
    seconds: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
  });
  const counts = values.processes.split(',').map(Number);
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const database = await createBenchDatabase(ADMIN_URL, 'bench_writer', { keep: false, events: 0 });
  try {
    const client = createPostgresClient({ connectionString: database.url, max: 2 });
    await runMigrations(client);
    const rootAgentId = randomUUID();
    const setupStore = new SqlEventStore(client);
    const setup = new BudgetStreamWriter(rootAgentId, setupStore, new BudgetCommitGroup(setupStore), {
      onAppended: () => undefined,
    });
    const created = await setup.submit({
      type: 'CreatePolicy', policyId: randomUUID(), agentId: rootAgentId,
      agent: { ...initialAgentState, status: 'active', agentId: rootAgentId, rootAgentId, name: 'bench', owner: 'bench' },
      limit: '1000000.00', currency: 'USD', timeWindow: 'daily', windowType: 'rolling', changeReason: 'bench', actor: 'admin:bench',
    }, { actor: 'admin:bench' });
    if (!created.ok) throw created.error;
    await client.close();

    const perSecond = new Map<number, number[]>(counts.map((n) => [n, []]));
    const races = new Map<number, number[]>(counts.map((n) => [n, []]));
    for (let round = 1; round <= Number(values.rounds); round++) {
      for (const processes of counts) {
        const results = await Promise.all(Array.from({ length: processes }, () => forkWorker(database.url, rootAgentId, seconds, concurrency)));
        const admitted = results.reduce((sum, r) => sum + r.admitted, 0);
        const lost = results.reduce((sum, r) => sum + r.versionRaces, 0);
        perSecond.get(processes)!.push(admitted / seconds);
        races.get(processes)!.push(lost / seconds);
        console.log(`round ${round}: ${processes} process(es): ${Math.round(admitted / seconds)} admissions/s, ${Math.round(lost / seconds)} version races/s`);
      }
    }
    const one = median(perSecond.get(counts[0])!);
    console.log(`\nOne budget stream, ${concurrency} callers per process, ${seconds} s per run (median (min-max) of ${values.rounds} rounds)`);
    console.log('| processes | admissions/s | vs first | version races/s |');
    console.log('|---|---|---|---|');
    for (const processes of counts) {
      const rates = perSecond.get(processes)!;
      console.log(`| ${processes} | ${describeSpread(rates)} | ${(median(rates) / one).toFixed(2)}x | ${describeSpread(races.get(processes)!)} |`);
    }
  } finally {
    await database.drop();
  }
}

function forkWorker(url: string, rootAgentId: string, seconds: number, concurrency: number): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--worker'], { env: { ...process.env, BENCH_URL: url, BENCH_ROOT: rootAgentId, BENCH_SECONDS: String(seconds), BENCH_CONCURRENCY: String(concurrency) } });
    child.once('message', (result) => resolve(result as WorkerResult));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}`));
    });
  });
}

if (process.argv.includes('--worker')) {
  const result = await runWorker(process.env.BENCH_URL!, process.env.BENCH_ROOT!, Number(process.env.BENCH_SECONDS), Number(process.env.BENCH_CONCURRENCY));
  process.send!(result);
  process.disconnect();
} else {
  await main();
}
