/**
 * Recovery benchmark (issue 12): on a 1,000,000-event log, `snapshot create`, `snapshot restore`
 * and a replay job from the snapshot against a replay from zero, then admissions through the
 * production gateway with and without `snapshot create` running. Not a test.
 *
 *   npm run bench:recovery                      # = npm run build && node dist/bench/recovery/main.js
 *   npm run bench:recovery -- --events 100000 --rounds 1 --window-seconds 4
 *
 * Phases, on one PostgreSQL database of its own (dropped afterwards; DATABASE_URL selects the
 * server, default local trust auth):
 *  1. the log: --events generated through the domain (bench/replay/generate.ts; --roots
 *     delegation roots of 5 agents each), loaded in bulk;
 *  2. replay from zero: replay job `--from-start`, the ledger writer and the metrics aggregator
 *     run as the projector runs them (ProcessorHost, rebuildTogether, ReplayJobTracker) to the head;
 *  3. createSnapshot of their read models (time, size, rows);
 *  4. --tail-percent more events appended (the same generator going on: holds open at the
 *     snapshot are settled after it);
 *  5. resetProcessors (`db reset`), restoreSnapshot (time), replay job `--from-snapshot` to the
 *     new head (time), read models fingerprinted;
 *  6. resetProcessors, replay job `--from-start` to the same head (time), fingerprints compared:
 *     both paths must end with the same rows;
 *  7. admissions/s at each --concurrency through the built gateway + projector on this database,
 *     without and with snapshots being created, --rounds interleaved windows each.
 * Results and how to read them: docs/benchmarks.md, "Recovery (issue 12)".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPostgresClient, runMigrations, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { resetProcessors } from '@caracal/processing';
import { createProjections, PROJECTION_READ_MODEL_TABLES } from '@caracal/projections';
import { createSnapshot, restoreSnapshot, startReplayJob, type ReplayFrom } from '@caracal/recovery';
import { stopAllChildren } from '../gateway/child-process.js';
import { backendCpuDelta, PostgresStats } from '../gateway/postgres-stats.js';
import { LogGenerator } from '../replay/generate.js';
import { createBenchDatabase } from '../support/bench-database.js';
import { describeSpread, formatCount, median } from '../support/spread.js';
import { measureAdmissions, type AdmissionWindow } from './admissions.js';
import { catchUp, type CatchUp } from './catch-up.js';
import { readModelFingerprint } from './read-model-fingerprint.js';
import { parseBenchFlags } from '../support/bench-flags.js';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const GOAL_REPLAY_SPEEDUP = 10;
const GOAL_ADMISSIONS_RATIO = 0.9;

const args = parseBenchFlags({
  events: { type: 'string', default: '1000000' },
  // Delegation roots of 5 agents each: 600 gives 3,000 agents.
  roots: { type: 'string', default: '600' },
  // Events appended after the snapshot, in % of --events: the replay from the snapshot.
  'tail-percent': { type: 'string', default: '1' },
  // One hot budget at this closed-loop concurrency (a list measures each).
  concurrency: { type: 'string', default: '32' },
  rounds: { type: 'string', default: '3' },
  'window-seconds': { type: 'string', default: '15' },
  'warmup-seconds': { type: 'string', default: '2' },
  'snapshot-keep': { type: 'string', default: '3' },
  // The gateway's CARACAL_SNAPSHOT_BUSY_PERCENT during the admission windows (default: the gateway's, 20).
  'snapshot-busy-percent': { type: 'string' },
  'skip-admissions': { type: 'boolean', default: false },
});
const EVENTS = Number(args.events);
const TAIL = Math.round((EVENTS * Number(args['tail-percent'])) / 100);

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`recovery benchmark: ${formatCount(EVENTS)} events + ${formatCount(TAIL)} after the snapshot; load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  const database = await createBenchDatabase(ADMIN_URL, 'caracal_bench_recovery', { keep: false, events: EVENTS });
  const client = createPostgresClient({ connectionString: database.url, max: 6, applicationName: 'caracal-bench-recovery' });
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-bench-recovery-'));
  try {
    await runMigrations(client);
    const store = new SqlEventStore(client);
    const processors = createProjections();

    // 1. The log.
    const generator = new LogGenerator(client, { roots: Number(args.roots), onProgress: progressEvery(100_000) });
    let phase = performance.now();
    const log = await generator.writeUpTo(EVENTS);
    const size = await client.query<{ size: string }>(`SELECT pg_size_pretty(pg_total_relation_size('events')) AS size`);
    console.log(`log: ${formatCount(log.events)} events, ${formatCount(log.agents)} agents in ${log.roots} budget roots, events table ${size.rows[0].size}; generated in ${seconds(phase)} s`);
    console.log(`  ${Object.entries(log.counts).sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${formatCount(n)}`).join(', ')}`);

    // 2. Replay from zero to the head: builds the read models the snapshot is taken of.
    const firstFromZero = await replay(client, store, processors, 'start');
    console.log(`replay from zero: ${formatCount(EVENTS)} events in ${firstFromZero.seconds.toFixed(1)} s (${formatCount(EVENTS / firstFromZero.seconds)} events/s)`);

    // 3. Snapshot.
    await client.query('CHECKPOINT');
    // CPU of the process that creates it (the gateway, through the API) and of PostgreSQL.
    const stats = await PostgresStats.connect(ADMIN_URL);
    const backendsBefore = await stats.backendCpu(database.name);
    const cpuBefore = process.cpuUsage();
    phase = performance.now();
    const snapshot = await createSnapshot(client, processors, { tag: 'bench-recovery' });
    const createS = (performance.now() - phase) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const createCpu = { node: (cpu.user + cpu.system) / 1e6, postgres: backendCpuDelta(backendsBefore, await stats.backendCpu(database.name)) / 1000 };
    await stats.close();
    const rows = snapshot.manifest.tables.reduce((sum, table) => sum + table.rows, 0);
    console.log(
      `snapshot create: ${createS.toFixed(1)} s (CPU: this process ${createCpu.node.toFixed(1)} s, PostgreSQL ${createCpu.postgres.toFixed(1)} s); ` +
        `${formatCount(rows)} rows (${snapshot.manifest.tables.map((t) => `${t.table} ${formatCount(t.rows)}`).join(', ')}); ` +
        `${mb(snapshot.uncompressedBytes)} MB of JSON lines, ${mb(snapshot.compressedBytes)} MB stored (compressed by the database)`,
    );

    // 4. More events after the snapshot.
    phase = performance.now();
    const grown = await generator.writeUpTo(EVENTS + TAIL);
    console.log(`appended ${formatCount(grown.events - log.events)} events in ${seconds(phase)} s`);

    // 5. db reset, restore, replay from the snapshot.
    await resetProcessors(client, processors);
    await client.query('CHECKPOINT');
    phase = performance.now();
    await restoreSnapshot(client, processors, snapshot.snapshotId);
    const restoreS = (performance.now() - phase) / 1000;
    console.log(`snapshot restore: ${restoreS.toFixed(1)} s (${formatCount(rows / restoreS)} rows/s)`);
    const fromSnapshot = await replay(client, store, processors, { snapshotId: snapshot.snapshotId });
    const tailEvents = Number(fromSnapshot.job.eventsTotal) / processors.length;
    console.log(`replay from the snapshot: ${formatCount(tailEvents)} events in ${fromSnapshot.seconds.toFixed(2)} s`);
    const afterSnapshotPath = await readModelFingerprint(client, PROJECTION_READ_MODEL_TABLES);

    // 6. db reset, replay from zero to the same head; both paths must give the same rows.
    await resetProcessors(client, processors);
    await client.query('CHECKPOINT');
    const fromZero = await replay(client, store, processors, 'start');
    const total = grown.events;
    console.log(`replay from zero: ${formatCount(total)} events in ${fromZero.seconds.toFixed(1)} s (${formatCount(total / fromZero.seconds)} events/s)`);
    const afterZeroPath = await readModelFingerprint(client, PROJECTION_READ_MODEL_TABLES);
    for (const table of PROJECTION_READ_MODEL_TABLES) {
      if (afterSnapshotPath[table] !== afterZeroPath[table]) {
        throw new Error(`${table} differs: restore + replay ${afterSnapshotPath[table]}, replay from zero ${afterZeroPath[table]}`);
      }
    }
    console.log(`read models equal on both paths: ${PROJECTION_READ_MODEL_TABLES.map((t) => `${t} ${afterZeroPath[t].split(',')[0]}`).join(', ')}`);

    // 7. Admissions with and without snapshot create.
    const windows = args['skip-admissions']
      ? []
      : await measureAdmissions(
          {
            adminUrl: ADMIN_URL,
            database,
            workDir,
            concurrencies: args.concurrency.split(',').map(Number),
            rounds: Number(args.rounds),
            windowMs: Number(args['window-seconds']) * 1000,
            warmupMs: Number(args['warmup-seconds']) * 1000,
            snapshotKeep: Number(args['snapshot-keep']),
            snapshotBusyPercent: args['snapshot-busy-percent'],
          },
          (line) => console.log(line),
        );

    printReport({ createS, createCpu, restoreS, rows, snapshotMb: mb(snapshot.compressedBytes), fromSnapshot, tailEvents, fromZero, total, firstFromZero, windows });
    console.log(`\nload average at the end: ${loadavg().map((v) => v.toFixed(1)).join(' ')}; total ${seconds(started)} s`);
  } finally {
    await stopAllChildren();
    await client.close();
    await database.drop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** A replay job (as `caracal replay start` records it), run to the head it targets. */
async function replay(client: SqlClient, store: SqlEventStore, processors: ReturnType<typeof createProjections>, from: ReplayFrom): Promise<CatchUp> {
  const job = await startReplayJob(client, store, processors, from);
  const target = { transactionId: BigInt(job.target.transactionId), globalPosition: BigInt(job.target.globalPosition) };
  return catchUp(client, store, processors, target, job.jobId);
}

interface Report {
  createS: number;
  createCpu: { node: number; postgres: number };
  restoreS: number;
  rows: number;
  snapshotMb: string;
  fromSnapshot: CatchUp;
  tailEvents: number;
  fromZero: CatchUp;
  total: number;
  firstFromZero: CatchUp;
  windows: AdmissionWindow[];
}

function printReport(r: Report): void {
  const speedup = r.fromZero.seconds / r.fromSnapshot.seconds;
  const withRestore = r.fromZero.seconds / (r.restoreS + r.fromSnapshot.seconds);
  const table: [string, string, string][] = [
    ['replay from zero (first, to the snapshot head)', `${r.firstFromZero.seconds.toFixed(1)} s, ${formatCount(EVENTS / r.firstFromZero.seconds)} events/s`, ''],
    ['snapshot create', `${r.createS.toFixed(1)} s, ${formatCount(r.rows)} rows, ${r.snapshotMb} MB`, ''],
    ['  its CPU: creating process / PostgreSQL', `${r.createCpu.node.toFixed(1)} s / ${r.createCpu.postgres.toFixed(1)} s`, ''],
    ['snapshot restore (after db reset)', `${r.restoreS.toFixed(1)} s`, ''],
    [`replay from the snapshot (${formatCount(r.tailEvents)} events)`, `${r.fromSnapshot.seconds.toFixed(2)} s`, ''],
    [`replay from zero (${formatCount(r.total)} events, same head)`, `${r.fromZero.seconds.toFixed(1)} s, ${formatCount(r.total / r.fromZero.seconds)} events/s`, ''],
    ['replay: from zero / from the snapshot', `${speedup.toFixed(1)}x`, `${speedup >= GOAL_REPLAY_SPEEDUP ? 'met' : 'MISSED'} (≥ ${GOAL_REPLAY_SPEEDUP}x)`],
    ['from zero / (restore + replay from the snapshot)', `${withRestore.toFixed(1)}x`, ''],
  ];
  for (const concurrency of [...new Set(r.windows.map((w) => w.concurrency))]) {
    const without = r.windows.filter((w) => w.concurrency === concurrency && !w.withSnapshots).map((w) => w.okPerS);
    const withSnapshots = r.windows.filter((w) => w.concurrency === concurrency && w.withSnapshots).map((w) => w.okPerS);
    const ratio = median(withSnapshots) / median(without);
    // The two windows of a round are next to each other in time: their ratio is less exposed to
    // the machine's load drifting over the run than the ratio of the medians.
    const perRound = without.map((ok, round) => withSnapshots[round] / ok);
    const cpuPerRequest = (snapshots: boolean) =>
      describeSpread(r.windows.filter((w) => w.concurrency === concurrency && w.withSnapshots === snapshots).map((w) => w.gatewayCpuMs / w.load.ok), 2);
    table.push(
      [`admissions c=${concurrency}, without snapshots (2xx/s)`, describeSpread(without), ''],
      [`admissions c=${concurrency}, during snapshot create (2xx/s)`, describeSpread(withSnapshots), ''],
      [`admissions c=${concurrency}: during / without (medians)`, `${ratio.toFixed(2)}x`, `${ratio >= GOAL_ADMISSIONS_RATIO ? 'met' : 'MISSED'} (≥ ${GOAL_ADMISSIONS_RATIO}x)`],
      [`  the same, per round`, `${describeSpread(perRound, 2)}x`, `${median(perRound) >= GOAL_ADMISSIONS_RATIO ? 'met' : 'MISSED'} (median)`],
      [`  gateway CPU ms per 2xx, without / during`, `${cpuPerRequest(false)} / ${cpuPerRequest(true)}`, ''],
    );
  }
  const header: [string, string, string] = ['measure', 'result', 'goal'];
  const widths = header.map((title, column) => Math.max(title.length, ...table.map((row) => row[column].length)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(`\n${format(header)}`);
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of table) console.log(format(row));
  if (r.windows.length > 0) console.log('\nadmission cells: median (min-max) over the rounds');
}

function progressEvery(step: number): (written: number) => void {
  let last = 0;
  return (written) => {
    if (written - last >= step) {
      last = written;
      process.stderr.write(`  ${formatCount(written)}\n`);
    }
  };
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(0);
}

function mb(bytes: string): string {
  return (Number(bytes) / 1024 / 1024).toFixed(1);
}

await main();
