/**
 * Gateway benchmark (issue 9): what Caracal's enforcement adds to an LLM call, against a
 * direct call and two peers, in one run on this machine.
 *
 *   npm run bench:gateway                       # 3 rounds, 200,000-request sustained run
 *   npm run bench:gateway -- --rounds 1 --c1-seconds 3 --c64-seconds 5 --sustained-requests 20000
 *   npm run bench:gateway -- --paths direct,prod-1 --json /tmp/gateway.json
 *   npm run bench:gateway -- --paths prod-1,prod-1-baseline --baseline /tmp/before   # a built checkout beside this build
 *   npm run bench:gateway -- --paths prod-1,prod-1-baseline --baseline . '--baseline-node-flags=--max-semi-space-size=8'   # node flags A/B
 *   npm run bench:gateway -- --without-sealer   # the production projector without the merkle-sealer
 *   npm run bench:gateway -- --paths prod-1 '--projector-node-flags=--cpu-prof --cpu-prof-dir=/tmp/p'   # profile the projector
 *
 * Needs: PostgreSQL (DATABASE_URL of an admin database, default postgres://postgres@127.0.0.1:5432/postgres;
 * the bench makes its own databases and drops them unless --keep-db), nginx from Debian
 * (`apt-get update && apt-get install -y nginx`) and the @portkey-ai/gateway devDependency.
 * Everything listens on loopback, except Portkey's server, which takes no host option.
 *
 * Each round starts every path's processes, serves them at c=64 for --start-warmup-seconds
 * (default 5: past V8's compilation of the hot code), measures c=1 (latency) after
 * --c1-warmup-seconds at c=1 (default 30) and c=64 (throughput) after --warmup-seconds (default
 * 1), and stops them (Caracal's paths: once their processors have caught up with the start's
 * load); the order of the paths rotates from round to round. The mock upstream and the load
 * generator are processes of their own, the same for every path.
 * Paths: direct, nginx, portkey, bare-proxy (the gateway's HTTP stack alone), prod-1, prod-64, embedded, prod-2proc, prod-4proc;
 * the bounds under the goals: bare-proxy-2proc and bare-proxy-4proc (how this machine scales processes that share
 * nothing), bare-commit (the stack with one durable PostgreSQL commit per request before forwarding); with --baseline
 * also prod-1-baseline, prod-64-baseline, embedded-baseline, prod-2proc-baseline and prod-4proc-baseline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { timeCli, type CliTiming } from './cli-timing.js';
import { stopAllChildren } from './child-process.js';
import { judgeGoals } from './goals.js';
import { imageGatewayNodeFlags, npmStartGatewayNodeFlags } from './image-node-flags.js';
import { measureWindow } from './measurement.js';
import { startMockUpstream } from './mock-upstream.js';
import { bareProxyPath } from './paths/bare-proxy.js';
import { caracalEmbeddedPath } from './paths/caracal-embedded.js';
import { caracalProductionPath, type ProductionOptions } from './paths/caracal-production.js';
import { directPath } from './paths/direct.js';
import { nginxPath } from './paths/nginx.js';
import type { BenchPath } from './paths/path.js';
import { portkeyPath } from './paths/portkey.js';
import { runLoad } from './load-generator.js';
import { PostgresStats } from './postgres-stats.js';
import { treePeakRssMb } from './process-stats.js';
import { printReport } from './report.js';
import { summarise, type PathSummary, type RoundResult } from './summary.js';
import { runSustained, type SustainedResult } from './sustained.js';
import { parseBenchFlags } from '../support/bench-flags.js';

const flags = parseBenchFlags({
  rounds: { type: 'string', default: '3' },
  'c1-seconds': { type: 'string', default: '5' },
  'c64-seconds': { type: 'string', default: '10' },
  'warmup-seconds': { type: 'string', default: '1' },
  'c1-warmup-seconds': { type: 'string', default: '30' },
  'start-warmup-seconds': { type: 'string', default: '5' },
  'sustained-requests': { type: 'string', default: '200000' },
  'cli-runs': { type: 'string', default: '10' },
  paths: { type: 'string', default: 'direct,nginx,portkey,bare-proxy,bare-proxy-2proc,bare-proxy-4proc,bare-commit,prod-1,prod-64,embedded,prod-2proc,prod-4proc' },
  'keep-db': { type: 'boolean', default: false },
  'without-sealer': { type: 'boolean', default: false },
  json: { type: 'string' },
  'portkey-server': { type: 'string' },
  'gateway-node-flags': { type: 'string' },
  'projector-node-flags': { type: 'string' },
  baseline: { type: 'string' },
  'baseline-node-flags': { type: 'string' },
});
const rounds = positiveInteger(flags.rounds, 'rounds');
const c1Ms = Number(flags['c1-seconds']) * 1000;
const c64Ms = Number(flags['c64-seconds']) * 1000;
const warmupMs = Number(flags['warmup-seconds']) * 1000;
// After the c=64 start, a Node proxy at c=1 runs other branches of its code (batches of one,
// timers that now fire) and V8 re-tiers them for tens of seconds: Caracal's gateway went from
// 3.6 to 2.2 ms at c=1 over its first 70 s (docs/benchmarks.md, eighth session). A gateway in
// service at low traffic has long finished that, so every path's c=1 window waits this long first.
const c1WarmupMs = Number(flags['c1-warmup-seconds']) * 1000;
// A gateway in service has run its hot code many times: right after start V8 is still compiling
// it (the c=1 window came first and measured that). Each path's processes serve this long at
// c=64, unmeasured, before its first window.
const startWarmupMs = Number(flags['start-warmup-seconds']) * 1000;
const sustainedRequests = Number(flags['sustained-requests']);
const cliRuns = Number(flags['cli-runs']);
const selected = flags.paths.split(',').map((id) => id.trim());
// The gateway starts with the Dockerfile CMD's node flags; --gateway-node-flags '' measures without them.
// The embedded path starts with `npm start`'s flags instead.
const givenNodeFlags = flags['gateway-node-flags']?.split(/\s+/).filter(Boolean);
const gatewayNodeFlags = givenNodeFlags ?? imageGatewayNodeFlags();
const embeddedNodeFlags = givenNodeFlags ?? npmStartGatewayNodeFlags();
// --baseline-node-flags: the baseline's production gateways start with these instead (with
// `--baseline .`, an A/B of node flags on one build, interleaved round by round).
const baselineNodeFlags = flags['baseline-node-flags']?.split(/\s+/).filter(Boolean) ?? gatewayNodeFlags;
// --projector-node-flags: e.g. '--projector-node-flags=--cpu-prof --cpu-prof-dir=/tmp/p' to profile the projector.
const projectorNodeFlags = flags['projector-node-flags']?.split(/\s+/).filter(Boolean) ?? [];
console.log(`gateway started as: node ${[...gatewayNodeFlags, 'dist/apps/gateway/src/main.js'].join(' ')} (embedded: node ${[...embeddedNodeFlags, 'dist/apps/gateway/src/main.js'].join(' ')})`);
if (flags['baseline-node-flags'] !== undefined) console.log(`baseline gateways started as: node ${[...baselineNodeFlags, 'dist/apps/gateway/src/main.js'].join(' ')}`);
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Production paths run the merkle-sealer, as deployed; --without-sealer leaves it out (the runs
// before 2026-12-05's sixth session did).
const sealer = !flags['without-sealer'];
console.log(`production projector: ${sealer ? 'with' : 'without'} the merkle-sealer`);

const workDir = mkdtempSync(join(tmpdir(), 'caracal-bench-gateway-'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopAllChildren().finally(() => process.exit(130)));
}

const mock = await startMockUpstream(workDir);
const pgStats = await PostgresStats.connect(adminUrl);
const production = (id: string, options: Pick<ProductionOptions, 'name' | 'gateways' | 'agents' | 'measuresC1' | 'root'>) =>
  [id, caracalProductionPath({ ...options, mock, workDir, adminUrl, keepDb: flags['keep-db'], sealer, projectorNodeFlags, nodeFlags: options.root ? baselineNodeFlags : gatewayNodeFlags })] as const;
// --baseline <checkout>: that checkout's build (its dist/, its migrations) as paths of their own,
// interleaved with this build's round by round, so a before/after ratio comes from one run.
const baseline = flags.baseline ? resolve(flags.baseline) : null;
const baselinePaths = baseline
  ? [
      production('prod-1-baseline', { name: `Caracal production, 1 agent, build of ${baseline}`, gateways: 1, agents: 1, measuresC1: true, root: baseline }),
      production('prod-64-baseline', { name: `Caracal production, 64 agents, build of ${baseline}`, gateways: 1, agents: 64, measuresC1: false, root: baseline }),
      ['embedded-baseline', caracalEmbeddedPath(mock, workDir, embeddedNodeFlags, { dir: baseline, name: baseline })] as const,
      production('prod-2proc-baseline', { name: `Caracal production, 2 gateway processes, one hot budget, build of ${baseline}`, gateways: 2, agents: 1, measuresC1: false, root: baseline }),
      production('prod-4proc-baseline', { name: `Caracal production, 4 gateway processes, one hot budget, build of ${baseline}`, gateways: 4, agents: 1, measuresC1: false, root: baseline }),
    ]
  : [];
const available = new Map<string, BenchPath>([
  ['direct', directPath(mock)],
  ['nginx', nginxPath(mock, workDir)],
  ['portkey', portkeyPath(mock, workDir, flags['portkey-server'] ?? null)],
  ['bare-proxy', bareProxyPath(mock, workDir, gatewayNodeFlags, { name: 'Fastify + undici proxy, no enforcement (the gateway\'s stack)', processes: 1, commit: null })],
  ['bare-proxy-2proc', bareProxyPath(mock, workDir, gatewayNodeFlags, { name: 'the gateway\'s stack, no enforcement, 2 processes', processes: 2, commit: null })],
  ['bare-proxy-4proc', bareProxyPath(mock, workDir, gatewayNodeFlags, { name: 'the gateway\'s stack, no enforcement, 4 processes', processes: 4, commit: null })],
  ['bare-commit', bareProxyPath(mock, workDir, gatewayNodeFlags, { name: 'the gateway\'s stack + one durable PostgreSQL commit per request', processes: 1, commit: { adminUrl, keepDb: flags['keep-db'] } })],
  production('prod-1', { name: 'Caracal production, 1 agent (one hot budget)', gateways: 1, agents: 1, measuresC1: true }),
  production('prod-64', { name: 'Caracal production, 64 agents (64 budgets)', gateways: 1, agents: 64, measuresC1: false }),
  ['embedded', caracalEmbeddedPath(mock, workDir, embeddedNodeFlags)],
  production('prod-2proc', { name: 'Caracal production, 2 gateway processes, one hot budget', gateways: 2, agents: 1, measuresC1: false }),
  production('prod-4proc', { name: 'Caracal production, 4 gateway processes, one hot budget', gateways: 4, agents: 1, measuresC1: false }),
  ...baselinePaths,
]);
const unknown = selected.filter((id) => !available.has(id));
if (unknown.length > 0) throw new Error(`unknown --paths ${unknown.join(', ')}; known: ${[...available.keys()].join(', ')}`);
const paths = selected.map((id) => [id, available.get(id)!] as const);

const results = new Map<string, RoundResult[]>(paths.map(([id]) => [id, []]));
let cli: CliTiming[] = [];
try {
  console.log(`gateway benchmark: ${rounds} round(s), each path started and served at c=64 for ${startWarmupMs / 1000} s, then c=1 for ${c1Ms / 1000} s after a ${c1WarmupMs / 1000} s warm-up and c=64 for ${c64Ms / 1000} s after a ${warmupMs / 1000} s one; paths ${selected.join(', ')}`);
  // The machine is shared: the load average says how much else was running.
  console.log(`load average at start: ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
  for (let round = 0; round < rounds; round++) {
    const order = paths.map((_, i) => paths[(i + round) % paths.length]);
    for (const [id, path] of order) {
      const running = await path.start();
      try {
        if (startWarmupMs > 0) await runLoad({ ...running.request, concurrency: 64, durationMs: startWarmupMs });
        // The warm-up's backlog is not part of what the windows measure (processors-caught-up.ts).
        if (running.processorsCaughtUp && (await running.processorsCaughtUp()) === null) {
          console.log(`round ${round + 1} ${id}: the processors did not catch up with the warm-up within 60 s; measuring anyway`);
        }
        const pg = path.database ? { stats: pgStats, database: path.database } : null;
        const c1 = path.measuresC1 ? await measureWindow(running, { concurrency: 1, durationMs: c1Ms, warmupMs: c1WarmupMs }, mock, pg) : null;
        const c64 = await measureWindow(running, { concurrency: 64, durationMs: c64Ms, warmupMs }, mock, pg);
        const peakRssMb: Record<string, number> = {};
        for (const child of running.processes) peakRssMb[child.label] = Math.max(peakRssMb[child.label] ?? 0, treePeakRssMb(child.pid));
        results.get(id)!.push({ c1, c64, peakRssMb });
        const c1Text = c1 ? `c=1 p50 ${c1.load.p50Ms.toFixed(2)} ms, ` : '';
        console.log(`round ${round + 1} ${id}: ${c1Text}c=64 ${Math.round(c64.load.ok / (c64.load.elapsedMs / 1000))} 2xx/s, non-2xx ${JSON.stringify(c64.load.failures)}; load average ${loadavg()[0].toFixed(1)}`);
      } finally {
        await running.stop();
      }
    }
  }
  const direct = results.get('direct') ?? null;
  const summaries: PathSummary[] = paths.map(([id, path]) => summarise(id, path.name, results.get(id)!, direct));

  let sustained: SustainedResult | null;
  const sustainedPath = caracalProductionPath({ name: 'sustained', gateways: 1, agents: 1, measuresC1: false, mock, workDir, adminUrl, keepDb: flags['keep-db'], sealer, projectorNodeFlags, nodeFlags: gatewayNodeFlags });
  try {
    console.log(`sustained run: ${sustainedRequests.toLocaleString('en-US')} requests at c=64 after a ${warmupMs / 1000} s warm-up, then CLI timings`);
    sustained = await runSustained(sustainedPath, sustainedRequests, warmupMs, async (gatewayUrl) => {
      cli = [timeCli(['--help'], gatewayUrl, cliRuns), timeCli(['agent', 'list'], gatewayUrl, cliRuns)];
    });
  } finally {
    await sustainedPath.dispose();
  }

  const goals = judgeGoals(new Map(summaries.map((s) => [s.id, s])), sustained, cli);
  printReport(summaries, sustained, cli, goals);
  console.log(`\nload average at the end: ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
  if (flags.json) {
    writeFileSync(flags.json, JSON.stringify({ settings: { rounds, c1Ms, c64Ms, warmupMs, c1WarmupMs, sustainedRequests }, summaries, sustained, cli, goals, rounds: Object.fromEntries(results) }, null, 2));
    console.log(`\nwrote ${flags.json}`);
  }
} finally {
  for (const [, path] of paths) await path.dispose();
  await stopAllChildren();
  await pgStats.close();
  rmSync(workDir, { recursive: true, force: true });
}

function positiveInteger(value: string, name: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return parsed;
}
