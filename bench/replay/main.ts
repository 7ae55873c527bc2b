/**
 * Replay benchmark: rebuild of the ledger and spending read models from the whole event log
 * (both processors run by ProcessorRunner, batch + checkpoint in one transaction, from an empty
 * read model to the head), next to a raw sequential read of the same log in the same run.
 * Not a test.
 *
 *   npm run build && node dist/bench/replay/main.js [--events 1000000] [--rounds 3] [--batch 500,2000]
 *
 * DATABASE_URL selects the server (default local trust auth); the benchmark creates and drops
 * its own database. Results and how to read them: docs/benchmarks.md, "Replay".
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  createPostgresClient,
  runMigrations,
  SqlEventStore,
  START_OF_LOG,
  type GlobalCheckpoint,
  type SqlClient,
} from '../../libs/event-store/src/index.js';
import { ProcessorRunner, resetProcessors, type ProcessorLogger } from '../../libs/processing/src/index.js';
import { createLedgerWriter, createSpendingAggregator } from '../../libs/projections/src/index.js';
import { generateLog } from './generate.js';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const GOAL_EVENTS_PER_S = 25_000;
const GOAL_RATIO = 0.3;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    // Runner batch sizes to measure, comma-separated (the runner's default is 500).
    batch: { type: 'string', default: '500,2000' },
    roots: { type: 'string', default: '200' },
  },
});
const EVENTS = Number(args.events);
const ROUNDS = Number(args.rounds);
const BATCHES = args.batch.split(',').map(Number);
const ROOTS = Number(args.roots);

interface Round {
  batch: number;
  rawRead: number;
  storeRead: number;
  rebuild: number;
  ledgerS: number;
  spendingS: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const database = await createDatabase();
  const client = createPostgresClient({ connectionString: database.url, max: 6, applicationName: 'caracal-bench-replay' });
  try {
    await runMigrations(client);
    process.stderr.write(`generating ${EVENTS.toLocaleString('en-US')} events through the domain (${ROOTS} roots)…\n`);
    const genStart = performance.now();
    let lastReport = 0;
    const log = await generateLog(client, {
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
      for (const batch of BATCHES) {
        process.stderr.write(`round ${round + 1}/${ROUNDS}, batch ${batch}\n`);
        const rawRead = await measureRawRead(client, batch, log.events);
        const storeRead = await measureStoreRead(store, batch, log.events);
        const rebuild = await measureRebuild(client, store, head, log.events, batch);
        rounds.push({ batch, rawRead, storeRead, ...rebuild });
        process.stderr.write(
          `  raw ${fmt(rawRead)}/s, readAll ${fmt(storeRead)}/s, rebuild ${fmt(rebuild.rebuild)}/s ` +
            `(ledger ${rebuild.ledgerS.toFixed(1)} s, spending ${rebuild.spendingS.toFixed(1)} s)\n`,
        );
      }
    }
    await verify(client, log.counts);
    for (const batch of BATCHES) printTable(rounds.filter((round) => round.batch === batch), log.events, batch);
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
              data, metadata, recorded_at
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
    if (events.length === 0) break;
    total += events.length;
    const last = events[events.length - 1];
    checkpoint = { transactionId: last.transactionId, globalPosition: last.globalPosition };
  }
  check(total, expected, 'readAll');
  return total / ((performance.now() - start) / 1000);
}

/**
 * `db reset` of both processors, then both ProcessorRunners from the start of the log, side by
 * side (as the service runs them), until both checkpoints reach the head. events/s = log size /
 * time until the later one is done.
 */
async function measureRebuild(
  client: SqlClient,
  store: SqlEventStore,
  head: GlobalCheckpoint,
  events: number,
  batch: number,
): Promise<{ rebuild: number; ledgerS: number; spendingS: number }> {
  const processors = [createLedgerWriter(), createSpendingAggregator()];
  await resetProcessors(client, processors);
  await client.query('CHECKPOINT');
  const problems: string[] = [];
  const logger: ProcessorLogger = (entry) => {
    if (entry.level === 'warn' || entry.level === 'error') problems.push(`${entry.processor}: ${entry.message}`);
  };
  const runners = processors.map(
    (processor) => new ProcessorRunner({ client, store, processor, batchSize: batch, pollMs: 50, logger }),
  );
  const start = performance.now();
  for (const runner of runners) runner.start();
  const doneAt = await Promise.all(
    runners.map(async (runner) => {
      for (;;) {
        const checkpoint = runner.status().checkpoint;
        if (checkpoint !== null && checkpoint.transactionId === head.transactionId && checkpoint.globalPosition === head.globalPosition) {
          return (performance.now() - start) / 1000;
        }
        if (problems.length > 0) throw new Error(`rebuild failed: ${problems.join('; ')}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }),
  );
  const seconds = Math.max(...doneAt);
  await Promise.all(runners.map((runner) => runner.stop()));
  const processed = runners.map((runner) => runner.status().eventsProcessed);
  for (const count of processed) check(count, events, 'rebuild');
  return { rebuild: events / seconds, ledgerS: doneAt[0], spendingS: doneAt[1] };
}

/** The rebuilt read models match the log: one entry per charge, one hold per reservation, sums. */
async function verify(client: SqlClient, counts: Record<string, number>): Promise<void> {
  const charges = (counts.SpendSettled ?? 0) + (counts.ReservationExpired ?? 0);
  const { rows } = await client.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM ledger_entries) AS entries,
            (SELECT count(*) FROM ledger_denials) AS denials,
            (SELECT count(*) FROM ledger_reservations) AS ledger_holds,
            (SELECT count(*) FROM spending_reservations) AS spending_holds,
            (SELECT coalesce(sum(amount_nanos), 0) FROM ledger_entries) AS ledger_sum,
            (SELECT coalesce(sum(amount_nanos), 0) FROM spending_buckets b
              WHERE EXISTS (SELECT 1 FROM ledger_reservations r WHERE r.agent_path->>0 = b.agent_id)) AS root_bucket_sum,
            (SELECT count(*) FROM ledger_reservations WHERE resolved_event_id IS NULL) AS open_holds`,
  );
  const r = rows[0];
  check(Number(r.entries), charges, 'ledger entries');
  check(Number(r.denials), counts.SpendDenied ?? 0, 'ledger denials');
  check(Number(r.ledger_holds), counts.SpendReserved ?? 0, 'ledger holds');
  check(Number(r.spending_holds), counts.SpendReserved ?? 0, 'spending holds');
  if (r.ledger_sum !== r.root_bucket_sum) throw new Error(`ledger sum ${r.ledger_sum} != root buckets ${r.root_bucket_sum}`);
  console.log(`verified: ${r.entries} entries, ${r.denials} denials, ${r.ledger_holds} holds (${r.open_holds} open), sums equal`);
}

function check(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what}: ${actual} events, expected ${expected}`);
}

function printTable(rounds: Round[], events: number, batch: number): void {
  const pick = (f: (round: Round) => number) => rounds.map(f);
  const raw = pick((round) => round.rawRead);
  const rebuild = pick((round) => round.rebuild);
  const ratio = pick((round) => round.rebuild / round.rawRead);
  const rows: [string, string, string][] = [
    [`raw read (SELECT … ORDER BY global_position, pages of ${batch})`, describe(raw), ''],
    [`readAll (gap-free reader, pages of ${batch})`, describe(pick((round) => round.storeRead)), ''],
    [
      `rebuild ledger + spending (2 runners, batch ${batch})`,
      describe(rebuild),
      `${median(rebuild) >= GOAL_EVENTS_PER_S ? 'met' : 'MISSED'} (≥ ${fmt(GOAL_EVENTS_PER_S)}/s)`,
    ],
    ['  ledger-writer finished after (s)', describe(pick((round) => round.ledgerS), 1), ''],
    ['  metrics-aggregator finished after (s)', describe(pick((round) => round.spendingS), 1), ''],
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

function fmt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function describe(values: number[], digits = 0): string {
  const f = (value: number) => (digits === 0 ? fmt(value) : value.toFixed(digits));
  return values.length === 1 ? f(values[0]) : `${f(median(values))} (${f(Math.min(...values))}-${f(Math.max(...values))})`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `caracal_bench_replay_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

await main();
