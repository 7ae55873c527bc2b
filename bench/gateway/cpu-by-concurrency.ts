/**
 * What bounds the added latency at c=1 (issue 9): the proxy's CPU per request at each
 * concurrency, for Caracal's production gateway (one hot budget) and for the floor under it (the
 * gateway's stack + one durable commit per request, bare-commit).
 *
 *   node dist/bench/gateway/cpu-by-concurrency.js                      # c = 1, 2, 4, 8, 16, 64; 6 s each
 *   node dist/bench/gateway/cpu-by-concurrency.js --concurrency 1,64 --seconds 10 --pin
 *
 * The main thread's CPU (user and system, from /proc/<pid>/task/<pid>/stat) is where a Node
 * process runs its JavaScript; the other threads (V8's collector and compilers, libuv) are
 * reported apart. At c=1 each request runs alone, after the process has waited for its client,
 * the database or the upstream; at c=64 the same code runs for many requests back to back.
 * `--pin` gives the proxy process a CPU of its own (the last one; Linux `taskset`) and puts the
 * mock, the load generator, the projector and the database's backends on the others, to show
 * whether sharing a core with them is what the difference is made of.
 *
 * Needs PostgreSQL (DATABASE_URL of an admin database, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAllChildren } from './child-process.js';
import { imageGatewayNodeFlags } from './image-node-flags.js';
import { runLoad } from './load-generator.js';
import { startMockUpstream } from './mock-upstream.js';
import { bareProxyPath } from './paths/bare-proxy.js';
import { caracalProductionPath } from './paths/caracal-production.js';
import type { BenchPath, RunningPath } from './paths/path.js';
import { PostgresStats } from './postgres-stats.js';
import { mainThreadCpuMs, processTree, treeCpuMs } from './process-stats.js';
import { parseBenchFlags } from '../support/bench-flags.js';

const flags = parseBenchFlags({
  concurrency: { type: 'string', default: '1,2,4,8,16,64' },
  seconds: { type: 'string', default: '6' },
  'start-warmup-seconds': { type: 'string', default: '5' },
  pin: { type: 'boolean', default: false },
});
const concurrencies = flags.concurrency.split(',').map((value) => {
  const c = Number(value);
  if (!Number.isInteger(c) || c < 1) throw new Error(`--concurrency: ${value} is not a positive integer`);
  return c;
});
const windowMs = Number(flags.seconds) * 1000;
const startWarmupMs = Number(flags['start-warmup-seconds']) * 1000;
const cpuCount = cpus().length;
if (flags.pin && cpuCount < 2) throw new Error('--pin needs at least 2 CPUs');
const proxyCpu = String(cpuCount - 1);
const otherCpus = `0-${cpuCount - 2}`;

interface Row {
  path: string;
  concurrency: number;
  okPerSecond: number;
  p50Ms: number;
  mainUserMsPerRequest: number;
  mainSystemMsPerRequest: number;
  otherThreadsMsPerRequest: number;
}

/** Every thread of every process in `pid`'s tree onto `cpuList`. */
function pin(pid: number, cpuList: string): void {
  for (const member of processTree(pid)) execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpuList, String(member)], { stdio: 'ignore' });
}

async function measure(name: string, path: BenchPath, running: RunningPath, pg: PostgresStats): Promise<Row[]> {
  const [proxy, ...others] = running.processes;
  if (startWarmupMs > 0) await runLoad({ ...running.request, concurrency: 64, durationMs: startWarmupMs });
  if (running.processorsCaughtUp) await running.processorsCaughtUp();
  if (flags.pin) {
    pin(proxy.pid, proxyCpu);
    for (const other of others) pin(other.pid, otherCpus);
    if (path.database) for (const backend of (await pg.backendCpu(path.database)).keys()) pin(backend, otherCpus);
  }
  const rows: Row[] = [];
  for (const concurrency of concurrencies) {
    const spec = { ...running.request, concurrency };
    await runLoad({ ...spec, durationMs: 1000 });
    const mainBefore = mainThreadCpuMs(proxy.pid);
    const allBefore = treeCpuMs(proxy.pid);
    const load = await runLoad({ ...spec, durationMs: windowMs });
    const mainAfter = mainThreadCpuMs(proxy.pid);
    const allAfter = treeCpuMs(proxy.pid);
    const n = load.completed;
    const mainUser = mainAfter.userMs - mainBefore.userMs;
    const mainSystem = mainAfter.systemMs - mainBefore.systemMs;
    const row: Row = {
      path: name,
      concurrency,
      okPerSecond: load.ok / (load.elapsedMs / 1000),
      p50Ms: load.p50Ms,
      mainUserMsPerRequest: mainUser / n,
      mainSystemMsPerRequest: mainSystem / n,
      otherThreadsMsPerRequest: (allAfter - allBefore - mainUser - mainSystem) / n,
    };
    rows.push(row);
    console.log(`${name} c=${concurrency}: ${Math.round(row.okPerSecond)} 2xx/s, p50 ${row.p50Ms.toFixed(2)} ms, main thread ${row.mainUserMsPerRequest.toFixed(3)} user + ${row.mainSystemMsPerRequest.toFixed(3)} system ms/req`);
  }
  return rows;
}

const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const workDir = mkdtempSync(join(tmpdir(), 'caracal-bench-cpu-'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopAllChildren().finally(() => process.exit(130)));
}
// Everything this process starts from here on (the mock, the load generators) inherits it.
if (flags.pin) pin(process.pid, otherCpus);
const mock = await startMockUpstream(workDir);
const pg = await PostgresStats.connect(adminUrl);
const nodeFlags = imageGatewayNodeFlags();
const paths: [string, BenchPath][] = [
  ['bare-commit', bareProxyPath(mock, workDir, nodeFlags, { name: 'bare-commit', processes: 1, commit: { adminUrl, keepDb: false } })],
  ['prod-1', caracalProductionPath({ name: 'prod-1', mock, workDir, adminUrl, keepDb: false, gateways: 1, agents: 1, measuresC1: true, nodeFlags, projectorNodeFlags: [], sealer: true })],
];
const rows: Row[] = [];
try {
  console.log(`proxy CPU per request by concurrency: ${windowMs / 1000} s per window${flags.pin ? `, the proxy pinned to CPU ${proxyCpu} and the rest to ${otherCpus}` : ''}`);
  for (const [name, path] of paths) {
    const running = await path.start();
    try {
      rows.push(...(await measure(name, path, running, pg)));
    } finally {
      await running.stop();
      await path.dispose();
    }
  }
} finally {
  await mock.child.stop();
  await pg.close();
}

console.log('\n| concurrency | path | 2xx/s | p50 (ms) | main thread user ms/req | main thread system ms/req | other threads ms/req |');
console.log('|---|---|---|---|---|---|---|');
for (const c of concurrencies) {
  for (const row of rows.filter((r) => r.concurrency === c)) {
    console.log(`| ${c} | ${row.path} | ${Math.round(row.okPerSecond).toLocaleString('en-US')} | ${row.p50Ms.toFixed(2)} | ${row.mainUserMsPerRequest.toFixed(3)} | ${row.mainSystemMsPerRequest.toFixed(3)} | ${row.otherThreadsMsPerRequest.toFixed(3)} |`);
  }
}
const userAt = (path: string, c: number): number => rows.find((r) => r.path === path && r.concurrency === c)?.mainUserMsPerRequest ?? NaN;
const [lowest, highest] = [concurrencies[0], concurrencies[concurrencies.length - 1]];
console.log(`\nmain thread user CPU per request, c=${lowest} over c=${highest}: bare-commit ${(userAt('bare-commit', lowest) / userAt('bare-commit', highest)).toFixed(1)}x, prod-1 ${(userAt('prod-1', lowest) / userAt('prod-1', highest)).toFixed(1)}x`);
console.log(`prod-1 over bare-commit: c=${lowest} ${(userAt('prod-1', lowest) / userAt('bare-commit', lowest)).toFixed(1)}x, c=${highest} ${(userAt('prod-1', highest) / userAt('bare-commit', highest)).toFixed(1)}x`);
