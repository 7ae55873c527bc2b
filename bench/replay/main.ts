/**
 * Replay benchmark: rebuild of the ledger and spending read models from the whole event log
 * (batch + checkpoint in one transaction per processor, from an empty read model to the head),
 * next to a raw sequential read of the same log in the same run. Two ways of running the
 * processors (--mode): `separate`, a ProcessorRunner each (each reads the log), and `together`,
 * ProcessorHost with rebuildTogether (one read, both processors applying each batch). Not a test.
 *
 *   npm run build && node dist/bench/replay/main.js [--events 1000000] [--rounds 3] [--batch 500,2000]
 *       [--mode separate,together] [--keep]
 *
 * --keep keeps the generated database and reuses it on the next run with the same --events
 * (re-creating the read-model tables from 005_projections.sql): no regeneration while iterating.
 *
 * DATABASE_URL selects the server (default local trust auth); the benchmark creates and drops
 * its own database. Results and how to read them: docs/benchmarks.md, "Replay".
 */
import { performance } from 'node:perf_hooks';
import {
  createPostgresClient,
  runMigrations,
  SqlEventStore,
  START_OF_LOG,
  type GlobalCheckpoint,
  type SqlClient,
} from '@caracal/event-store';
import {
  loadCheckpoint,
  ProcessorHost,
  ProcessorRegistry,
  ProcessorRunner,
  resetProcessors,
  type ProcessorLogger,
  type ProcessorRunnerStatus,
} from '@caracal/processing';
import { createLedgerWriter, createMetricsAggregator, PROJECTION_READ_MODEL_TABLES } from '@caracal/projections';
import { generateLog, type GeneratedLog } from './generate.js';
import { describeSpread, formatCount, median } from '../support/spread.js';
import { createBenchDatabase } from '../support/bench-database.js';
import { parseBenchFlags } from '../support/bench-flags.js';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const GOAL_EVENTS_PER_S = 25_000;
const GOAL_RATIO = 0.3;

const args = parseBenchFlags({
  events: { type: 'string', default: '1000000' },
  rounds: { type: 'string', default: '3' },
  // Runner batch sizes to measure, comma-separated (the runner's default is 500).
  batch: { type: 'string', default: '500,2000' },
  roots: { type: 'string', default: '200' },
  // Keep the generated database (caracal_bench_replay_keep_<events>) and reuse it on the next
  // run with the same --events: skips the ~3 minutes of generation while iterating.
  keep: { type: 'boolean', default: false },
  // separate: a ProcessorRunner per processor, each reading the log (the normal path);
  // together: ProcessorHost with rebuildTogether (one read, one transaction per batch for both).
  mode: { type: 'string', default: 'separate,together' },
});
const EVENTS = Number(args.events);
const ROUNDS = Number(args.rounds);
const BATCHES = args.batch.split(',').map(Number);
const ROOTS = Number(args.roots);
const MODES = args.mode.split(',') as Mode[];
type Mode = 'separate' | 'together';

interface Round {
  mode: Mode;
  batch: number;
  rawRead: number;
  storeRead: number;
  rebuild: number;
  ledgerS: number;
  spendingS: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const database = await createBenchDatabase(ADMIN_URL, 'caracal_bench_replay', { keep: args.keep, events: EVENTS });
  const client = createPostgresClient({ connectionString: database.url, max: 6, applicationName: 'caracal-bench-replay' });
  try {
    if (database.reused) {
      // The projection migrations (005, 007) are not released: re-create the read-model tables
      // from the current files, so a kept log is measured with the schema being worked on.
      await client.query(`DROP TABLE IF EXISTS ${PROJECTION_READ_MODEL_TABLES.join(', ')} CASCADE`);
      await client.query(`DELETE FROM schema_migrations WHERE version LIKE '005%' OR version LIKE '007%'`);
    }
    await runMigrations(client);
    const genStart = performance.now();
    let lastReport = 0;
    const log = (database.reused ? await existingLog(client) : null) ?? await generateLog(client, {
      events: EVENTS,
      roots: ROOTS,
      onProgress: (written) => {
        if (written - lastReport >= 100_000) {
          lastReport = written;
          process.stderr.write(`  ${written.toLocaleString('en-US')}\n`);
        }
      },
    });
    const genS = (performance.now() - genStart) / 1000;
    const size = await client.query<{ size: string }>(`SELECT pg_size_pretty(pg_total_relation_size('events')) AS size`);
    console.log(
      `log: ${log.events.toLocaleString('en-US')} events, ${log.streams} streams (${log.roots} budget roots, ${log.agents} agents), ` +
        `events table ${size.rows[0].size}; generated and loaded in ${genS.toFixed(0)} s`,
    );
    console.log(
      '  ' +
        Object.entries(log.counts)
          .sort((a, b) => b[1] - a[1])
          .map(([type, count]) => `${type} ${count.toLocaleString('en-US')}`)
          .join(', '),
    );

    const store = new SqlEventStore(client);
    const head = await store.headCheckpoint();
    const rounds: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const batch of BATCHES) for (const mode of MODES) {
        process.stderr.write(`round ${round + 1}/${ROUNDS}, ${mode}, batch ${batch}\n`);
        const rawRead = await measureRawRead(client, batch, log.events);
        const storeRead = await measureStoreRead(store, batch, log.events);
        const rebuild = await measureRebuild(client, store, head, log.events, batch, mode);
        rounds.push({ mode, batch, rawRead, storeRead, ...rebuild });
        process.stderr.write(
          `  raw ${formatCount(rawRead)}/s, readAll ${formatCount(storeRead)}/s, rebuild ${formatCount(rebuild.rebuild)}/s ` +
            `(ledger ${rebuild.ledgerS.toFixed(1)} s, spending ${rebuild.spendingS.toFixed(1)} s)\n`,
        );
      }
    }
    await verify(client, log.counts);
    for (const batch of BATCHES) {
      for (const mode of MODES) printTable(rounds.filter((round) => round.batch === batch && round.mode === mode), log.events, batch, mode);
    }
    console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await client.close();
    await database.drop();
  }
}

/** Plain keyset scan of the whole log in pages of `page`, every column, rows parsed by pg. */
async function measureRawRead(client: SqlClient, page: number, expected: number): Promise<number> {
  const start = performance.now();
  let after = '0';
  let total = 0;
  for (;;) {
    const { rows } = await client.query<{ global_position: string }>(
      `SELECT global_position, transaction_id, stream_id, stream_position, event_id, event_type, schema_version,
              data_text, metadata_text, recorded_at
         FROM events WHERE global_position > $1::bigint ORDER BY global_position LIMIT $2`,
      [after, page],
    );
    if (rows.length === 0) break;
    total += rows.length;
    after = rows[rows.length - 1].global_position;
  }
  check(total, expected, 'raw read');
  return total / ((performance.now() - start) / 1000);
}

/** The runner's reader: SqlEventStore.readAll pages (gap-free order), mapped to RecordedEvent. */
async function measureStoreRead(store: SqlEventStore, page: number, expected: number): Promise<number> {
  const start = performance.now();
  let checkpoint: GlobalCheckpoint = START_OF_LOG;
  let total = 0;
  for (;;) {
    const events = await store.readAll({ after: checkpoint, maxCount: page });
    if (events.length === 0) {
      // The gap-free horizon is cluster-wide: another database's open transaction holds our
      // committed events back. Wait for it (counted in the time) rather than stop short.
      if (total < expected && (await store.hasHeldBackEvents(checkpoint))) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      break;
    }
    total += events.length;
    const last = events[events.length - 1];
    checkpoint = { transactionId: last.transactionId, globalPosition: last.globalPosition };
  }
  check(total, expected, 'readAll');
  return total / ((performance.now() - start) / 1000);
}

/**
 * `db reset` of both processors, then both from the start of the log until both checkpoints reach
 * the head. separate: a ProcessorRunner each, side by side, each reading the log (as the service
 * runs them by default); together: ProcessorHost with rebuildTogether (one read of each batch,
 * both applied in one transaction). events/s = log size / time until the later one is done.
 */
async function measureRebuild(
  client: SqlClient,
  store: SqlEventStore,
  head: GlobalCheckpoint,
  events: number,
  batch: number,
  mode: Mode,
): Promise<{ rebuild: number; ledgerS: number; spendingS: number }> {
  const processors = [createLedgerWriter(), createMetricsAggregator()];
  await resetProcessors(client, processors);
  await client.query('CHECKPOINT');
  const problems: string[] = [];
  const logger: ProcessorLogger = (entry) => {
    if (entry.level === 'warn' || entry.level === 'error') problems.push(`${entry.processor}: ${entry.message}`);
  };
  let statuses: () => ProcessorRunnerStatus[];
  let stop: () => Promise<void>;
  const start = performance.now();
  if (mode === 'separate') {
    const runners = processors.map((processor) => new ProcessorRunner({ client, store, processor, batchSize: batch, pollMs: 50, logger }));
    for (const runner of runners) runner.start();
    statuses = () => runners.map((runner) => runner.status());
    stop = async () => void (await Promise.all(runners.map((runner) => runner.stop())));
  } else {
    const host = new ProcessorHost({
      client,
      store,
      registry: new ProcessorRegistry(processors),
      names: processors.map((processor) => processor.name),
      logger,
      tuning: { batchSize: batch, pollMs: 50 },
      rebuildTogether: { batchSize: batch },
    });
    host.start();
    statuses = () => host.status();
    stop = () => host.stop();
  }
  const doneAt = await Promise.all(
    processors.map(async (_, i) => {
      for (;;) {
        const checkpoint = statuses()[i].checkpoint;
        if (checkpoint !== null && checkpoint.transactionId === head.transactionId && checkpoint.globalPosition === head.globalPosition) {
          return (performance.now() - start) / 1000;
        }
        if (problems.length > 0) throw new Error(`rebuild failed: ${problems.join('; ')}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }),
  );
  const seconds = Math.max(...doneAt);
  await stop();
  for (const processor of processors) {
    const stored = await loadCheckpoint(client, processor);
    check(Number(stored?.eventsProcessed ?? 0), events, 'rebuild');
  }
  return { rebuild: events / seconds, ledgerS: doneAt[0], spendingS: doneAt[1] };
}

/** The rebuilt read models match the log: one entry and one folded charge per charge, sums. */
async function verify(client: SqlClient, counts: Record<string, number>): Promise<void> {
  const charges = (counts.SpendSettled ?? 0) + (counts.ReservationExpired ?? 0);
  const { rows } = await client.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM ledger_entries) AS entries,
            (SELECT count(*) FROM ledger_denials) AS denials,
            (SELECT count(*) FROM spending_charges) AS spending_charges,
            (SELECT coalesce(sum(amount_nanos), 0) FROM ledger_entries) AS ledger_sum,
            (SELECT coalesce(sum(amount_nanos), 0) FROM spending_buckets b
              WHERE b.agent_id IN (SELECT DISTINCT agent_path->>0 FROM ledger_entries)) AS root_bucket_sum`,
  );
  const r = rows[0];
  check(Number(r.entries), charges, 'ledger entries');
  check(Number(r.denials), counts.SpendDenied ?? 0, 'ledger denials');
  check(Number(r.spending_charges), charges, 'spending charges');
  if (r.ledger_sum !== r.root_bucket_sum) throw new Error(`ledger sum ${r.ledger_sum} != root buckets ${r.root_bucket_sum}`);
  console.log(`verified: ${r.entries} entries, ${r.denials} denials, ${r.spending_charges} folded charges, sums equal`);
}

function check(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what}: ${actual} events, expected ${expected}`);
}

function printTable(rounds: Round[], events: number, batch: number, mode: Mode): void {
  const pick = (f: (round: Round) => number) => rounds.map(f);
  const raw = pick((round) => round.rawRead);
  const rebuild = pick((round) => round.rebuild);
  const ratio = pick((round) => round.rebuild / round.rawRead);
  const rows: [string, string, string][] = [
    [`raw read (SELECT … ORDER BY global_position, pages of ${batch})`, describeSpread(raw), ''],
    [`readAll (gap-free reader, pages of ${batch})`, describeSpread(pick((round) => round.storeRead)), ''],
    [
      `rebuild ledger + spending (${mode === 'separate' ? '2 runners' : 'rebuildTogether'}, batch ${batch})`,
      describeSpread(rebuild),
      `${median(rebuild) >= GOAL_EVENTS_PER_S ? 'met' : 'MISSED'} (≥ ${formatCount(GOAL_EVENTS_PER_S)}/s)`,
    ],
    ['  ledger-writer finished after (s)', describeSpread(pick((round) => round.ledgerS), 1), ''],
    ['  metrics-aggregator finished after (s)', describeSpread(pick((round) => round.spendingS), 1), ''],
    [
      'rebuild / raw read (per round)',
      `${median(ratio).toFixed(2)}x (${Math.min(...ratio).toFixed(2)}-${Math.max(...ratio).toFixed(2)})`,
      `${median(ratio) >= GOAL_RATIO ? 'met' : 'MISSED'} (≥ ${GOAL_RATIO}x)`,
    ],
  ];
  const header: [string, string, string] = [`measure (${events.toLocaleString('en-US')} events)`, 'events/s', 'goal'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(`\n${format(header)}`);
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(format(row));
  console.log(`\ncells: median (min-max) over ${rounds.length} round(s)`);
}


/** The log of a kept database (--keep), or null when it has none yet. */
async function existingLog(client: SqlClient): Promise<GeneratedLog | null> {
  const { rows } = await client.query<{ event_type: string; count: string }>(
    'SELECT event_type, count(*)::text AS count FROM events GROUP BY event_type',
  );
  const counts = Object.fromEntries(rows.map((row) => [row.event_type, Number(row.count)]));
  const events = Object.values(counts).reduce((sum, count) => sum + count, 0);
  if (events !== EVENTS) return null;
  const streams = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM streams');
  return { events, counts, roots: ROOTS, agents: ROOTS * 5, streams: Number(streams.rows[0].n) };
}

await main();
