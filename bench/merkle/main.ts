/**
 * Merkle benchmark: seal, verify-range and verify-export over the whole event log, each next to
 * the bound it cannot beat, measured in the same run. Not a test.
 *
 *   npm run build && node dist/bench/merkle/main.js [--events 1000000] [--rounds 1] [--batch 2000]
 *       [--batch-leaves 1000] [--keep] [--skip-seal]
 *
 * The log is the replay benchmark's (bench/replay/generate.ts: generated through the domain,
 * stored as SqlEventStore stores it: RFC 8785 text, each event tagged with the event key).
 * Per round:
 *  - seal: a ProcessorRunner of the merkle-sealer (checking every event's tag) from the start of
 *    the log to its head (batches of --batch events, heads every --batch-leaves leaves), and the
 *    last partial batch sealed (sealOpen); events/s = log size / that time;
 *  - raw read: the events' rows a verifier needs (the leaf columns), read in order in pages of
 *    5,000 by global position, nothing done with them: the bound of verify-range;
 *  - verify-range over everything (what `GET /v1/merkle/verify-range` runs);
 *  - export of everything to a bundle directory (readExportBundle + writeExportBundle);
 *  - raw file read: every file of the bundle streamed from the disk (page cache), nothing done
 *    with the bytes: the bound of verify-export;
 *  - verify-export of that bundle (verifyExportBundle: no database);
 *  - raw SHA-256: one leaf hash per event over its leaf bytes held in memory (context only).
 *
 * --keep keeps the generated database (caracal_bench_merkle_keep_<events>) and reuses it;
 * --skip-seal then measures the rest over the log the previous run sealed (for profiling:
 * `node --cpu-prof dist/bench/merkle/main.js --events 100000 --keep --skip-seal`).
 * DATABASE_URL selects the server (default local trust auth). Results: docs/benchmarks.md, "Merkle".
 */
import { createHash, hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPostgresClient, eventAuthenticator, eventKeyIdOf, runMigrations, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { generateSigningKeyPair, storedLeafBytes } from '@caracal/merkle';
import { loadCheckpoint, ProcessorRunner, type ProcessorLogger } from '@caracal/processing';
import {
  createMerkleSealer, MERKLE_SEALER_TABLES, readExportBundle, recordedAtTextSql, signerFromPrivateKey, verifyExportBundle, verifyRange, writeExportBundle,
} from '@caracal/sealing';
import { generateLog } from '../replay/generate.js';
import { describeSpread, formatCount, median } from '../support/spread.js';
import { createBenchDatabase } from '../support/bench-database.js';
import { parseBenchFlags } from '../support/bench-flags.js';

// Fixed, so a kept database's tags stay valid across runs.
const EVENT_KEY = createHash('sha256').update('caracal bench event key').digest();
const EVENT_KEYRING = new Map([[eventKeyIdOf(EVENT_KEY), EVENT_KEY]]);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const GOAL_VERIFY_RATIO = 0.5;
const GOAL_VERIFY_RATE = 50_000;
const READ_PAGE = 5000;

const args = parseBenchFlags({
  events: { type: 'string', default: '1000000' },
  rounds: { type: 'string', default: '1' },
  // The sealer's ProcessorRunner batch: events per read and per transaction.
  batch: { type: 'string', default: '2000' },
  // N: leaves per sealed batch (the gateway's default is 1000).
  'batch-leaves': { type: 'string', default: '1000' },
  roots: { type: 'string', default: '200' },
  keep: { type: 'boolean', default: false },
  'skip-seal': { type: 'boolean', default: false },
});
const EVENTS = Number(args.events);
const ROUNDS = Number(args.rounds);
const RUNNER_BATCH = Number(args.batch);
const BATCH_LEAVES = Number(args['batch-leaves']);

interface Round {
  /** NaN with --skip-seal. */
  seal: number;
  rawRead: number;
  verify: number;
  exportRate: number;
  rawFileRead: number;
  verifyExport: number;
  rawHash: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadavg();
  const database = await createBenchDatabase(ADMIN_URL, 'caracal_bench_merkle', { keep: args.keep, events: EVENTS });
  const client = createPostgresClient({ connectionString: database.url, max: 6, applicationName: 'caracal-bench-merkle' });
  try {
    await runMigrations(client);
    const genStart = performance.now();
    let lastReport = 0;
    const existing = database.reused ? await countEvents(client) : 0;
    if (existing !== EVENTS) {
      if (existing !== 0) throw new Error(`kept database ${database.name} holds ${existing} events, not ${EVENTS}: drop it`);
      await generateLog(client, {
        events: EVENTS,
        roots: Number(args.roots),
        authenticator: eventAuthenticator(EVENT_KEY),
        onProgress: (written) => {
          if (written - lastReport >= 100_000) {
            lastReport = written;
            process.stderr.write(`  generated ${written.toLocaleString('en-US')}\n`);
          }
        },
      });
    }
    const size = await client.query<{ size: string }>(`SELECT pg_size_pretty(pg_total_relation_size('events')) AS size`);
    console.log(
      `log: ${EVENTS.toLocaleString('en-US')} events, events table ${size.rows[0].size}; ` +
        `${existing === EVENTS ? 'reused' : `generated in ${((performance.now() - genStart) / 1000).toFixed(0)} s`}`,
    );

    const rounds: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      process.stderr.write(`round ${round + 1}/${ROUNDS}: seal\n`);
      const seal = args['skip-seal'] ? await checkSealed(client) : await measureSeal(client);
      process.stderr.write(`  seal ${formatCount(seal)}/s\n  raw read\n`);
      const rawRead = await measureRawRead(client);
      process.stderr.write(`  raw read ${formatCount(rawRead)}/s\n  verify-range\n`);
      const verify = await measureVerify(client);
      process.stderr.write(`  verify-range ${formatCount(verify)}/s\n  export\n`);
      const dir = await mkdtemp(join(tmpdir(), 'caracal-bench-export-'));
      try {
        const exportStart = performance.now();
        await writeExportBundle(readExportBundle(client, { start: '1970-01-01T00:00:00Z', end: 'now' }), join(dir, 'bundle'));
        const exportRate = EVENTS / ((performance.now() - exportStart) / 1000);
        process.stderr.write(`  export ${formatCount(exportRate)}/s\n  raw file read\n`);
        const rawFileRead = await measureFileRead(join(dir, 'bundle'));
        process.stderr.write(`  raw file read ${formatCount(rawFileRead)}/s\n  verify-export\n`);
        const verifyExport = await measureVerifyExport(join(dir, 'bundle'));
        process.stderr.write(`  verify-export ${formatCount(verifyExport)}/s\n  raw SHA-256\n`);
        const rawHash = await measureRawHash(client);
        rounds.push({ seal, rawRead, verify, exportRate, rawFileRead, verifyExport, rawHash });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    printTable(rounds);
    const loadAfter = loadavg();
    console.log(`\nload average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await client.close();
    await database.drop();
  }
}

async function countEvents(client: SqlClient): Promise<number> {
  return Number((await client.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0].n);
}

/** --skip-seal: the kept log must be sealed whole already. */
async function checkSealed(client: SqlClient): Promise<number> {
  const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM merkle_leaves WHERE batch_id IN (SELECT batch_id FROM merkle_heads)');
  check(Number(rows[0].n), EVENTS, 'leaves in sealed batches (run once without --skip-seal)');
  return Number.NaN;
}

/** From an empty sealer state to every event sealed, the last partial batch included. */
async function measureSeal(client: SqlClient): Promise<number> {
  const sealer = createMerkleSealer({
    signer: signerFromPrivateKey(generateSigningKeyPair().privateKeyPem),
    batchLeaves: BATCH_LEAVES,
    // Batches close at N leaves only: a batch closing on age would depend on the machine's speed.
    maxBatchAgeMs: 24 * 3_600_000,
    eventKeys: () => EVENT_KEYRING,
    onRefused: (refusal) => {
      throw new Error(`the sealer refused event ${refusal.eventId}: ${refusal.detail}`);
    },
  });
  // Not resetProcessors: `db reset` keeps the sealer (its heads are promises). The bench's own database starts over.
  await client.query(`TRUNCATE ${MERKLE_SEALER_TABLES.join(', ')}`);
  await client.query('DELETE FROM processor_checkpoints WHERE processor = $1', [sealer.name]);
  await client.query('DELETE FROM processor_leases WHERE processor = $1', [sealer.name]);
  await client.query('CHECKPOINT');
  const store = new SqlEventStore(client);
  // The last event itself, not store.headCheckpoint(): that one stops below any transaction still
  // open anywhere in the cluster (other databases too), and would end the wait too early.
  const { rows: [last] } = await client.query<{ transaction_id: string; global_position: string }>(
    `SELECT e.transaction_id::text AS transaction_id, e.global_position::text AS global_position FROM events e
      ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1`,
  );
  const head = { transactionId: BigInt(last.transaction_id), globalPosition: BigInt(last.global_position) };
  const problems: string[] = [];
  const logger: ProcessorLogger = (entry) => {
    if (entry.level === 'warn' || entry.level === 'error') problems.push(entry.message);
  };
  const runner = new ProcessorRunner({ client, store, processor: sealer, batchSize: RUNNER_BATCH, pollMs: 50, logger });
  const start = performance.now();
  runner.start();
  for (;;) {
    const checkpoint = runner.status().checkpoint;
    if (checkpoint !== null && checkpoint.transactionId === head.transactionId && checkpoint.globalPosition === head.globalPosition) break;
    if (problems.length > 0) throw new Error(`seal failed: ${problems.join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await client.transaction((tx) => sealer.sealOpen(tx));
  const seconds = (performance.now() - start) / 1000;
  await runner.stop();
  const stored = await loadCheckpoint(client, sealer);
  check(Number(stored?.eventsProcessed ?? 0), EVENTS, 'sealed events');
  const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM merkle_leaves WHERE batch_id IN (SELECT batch_id FROM merkle_heads)');
  check(Number(rows[0].n), EVENTS, 'leaves in sealed batches');
  return EVENTS / seconds;
}

/** The columns of every event a verifier hashes, in order, in pages; nothing is done with them. */
async function measureRawRead(client: SqlClient): Promise<number> {
  const start = performance.now();
  let after = '-1';
  let total = 0;
  for (;;) {
    const { rows } = await client.query<{ global_position: string }>(
      `SELECT e.global_position::text AS global_position, e.stream_id, e.stream_position::text AS stream_position,
              e.event_id::text AS event_id, e.event_type, e.schema_version, e.data_text, e.metadata_text,
              ${recordedAtTextSql('e.recorded_at')} AS recorded_at
         FROM events e WHERE e.global_position > $1 ORDER BY e.global_position LIMIT $2`,
      [after, READ_PAGE],
    );
    if (rows.length === 0) break;
    total += rows.length;
    after = rows[rows.length - 1].global_position;
  }
  check(total, EVENTS, 'events read');
  return total / ((performance.now() - start) / 1000);
}

/** Every file of the bundle streamed from the disk; events/s = the bundle's events / that time. */
async function measureFileRead(dir: string): Promise<number> {
  const start = performance.now();
  let bytes = 0;
  for (const name of await readdir(dir)) {
    for await (const chunk of createReadStream(join(dir, name), { highWaterMark: 1 << 20 })) bytes += (chunk as Buffer).length;
  }
  if (bytes === 0) throw new Error('empty bundle');
  return EVENTS / ((performance.now() - start) / 1000);
}

async function measureVerifyExport(dir: string): Promise<number> {
  const start = performance.now();
  const report = await verifyExportBundle(dir);
  const seconds = (performance.now() - start) / 1000;
  if (!report.ok) throw new Error(`verify-export failed: ${JSON.stringify(report.failures.slice(0, 3))} ${JSON.stringify(report.totals)}`);
  check(report.totals.events, EVENTS, 'verified exported events');
  return EVENTS / seconds;
}

/** One SHA-256 per leaf over its leaf bytes held in memory (built beforehand, not timed): context only. */
async function measureRawHash(client: SqlClient): Promise<number> {
  const leaves: Buffer[] = [];
  for (let from = 0; ; from += READ_PAGE) {
    const { rows } = await client.query<{ merkle_index: string; global_position: string; stream_id: string; stream_position: string; event_id: string; event_type: string; schema_version: number; data_text: string; metadata_text: string; recorded_at: string }>(
      `SELECT l.merkle_index::text AS merkle_index, e.global_position::text AS global_position, e.stream_id, e.stream_position::text AS stream_position,
              e.event_id::text AS event_id, e.event_type, e.schema_version, e.data_text, e.metadata_text, ${recordedAtTextSql('e.recorded_at')} AS recorded_at
         FROM merkle_leaves l JOIN events e ON e.global_position = l.global_position
        WHERE l.merkle_index BETWEEN $1 AND $2 ORDER BY l.merkle_index`,
      [from, from + READ_PAGE - 1],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      leaves.push(Buffer.concat([Buffer.from([0x00]), storedLeafBytes({
        merkleIndex: row.merkle_index, globalPosition: row.global_position, streamId: row.stream_id, streamPosition: row.stream_position,
        eventId: row.event_id, eventType: row.event_type, schemaVersion: row.schema_version, dataText: row.data_text, metadataText: row.metadata_text,
        recordedAt: row.recorded_at,
      })]));
    }
  }
  let sink = 0;
  const start = performance.now();
  for (const leaf of leaves) sink ^= hash('sha256', leaf, 'buffer')[0];
  const seconds = (performance.now() - start) / 1000;
  if (sink < 0) throw new Error('unreachable');
  return leaves.length / seconds;
}

async function measureVerify(client: SqlClient): Promise<number> {
  let lastShown = 0;
  const start = performance.now();
  const report = await verifyRange(client, { start: '1970-01-01T00:00:00Z', end: 'now' }, undefined, {
    onProgress: (done, total) => {
      if (done - lastShown >= 100 || done === total) {
        lastShown = done;
        process.stderr.write(`  verified ${done}/${total} batches\n`);
      }
    },
  });
  const seconds = (performance.now() - start) / 1000;
  if (!report.ok) throw new Error(`verify-range failed: ${JSON.stringify(report.failures.slice(0, 3))} ${JSON.stringify(report.totals)}`);
  check(report.totals.events, EVENTS, 'verified events');
  check(report.totals.sealedEvents, EVENTS, 'verified sealed events');
  return EVENTS / seconds;
}

function check(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what}: ${actual}, expected ${expected}`);
}

function printTable(rounds: Round[]): void {
  const pick = (f: (round: Round) => number) => rounds.map(f);
  const ratio = (values: number[]) => `${median(values).toFixed(2)}x${values.length > 1 ? ` (${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)})` : ''}`;
  const verifyRatio = pick((round) => round.verify / round.rawRead);
  const exportRatio = pick((round) => round.verifyExport / round.rawFileRead);
  const sealed = (cell: string): string => (args['skip-seal'] ? 'not measured (--skip-seal)' : cell);
  const rows: [string, string, string][] = [
    [`seal (merkle-sealer via ProcessorRunner, tags checked, batch ${RUNNER_BATCH}, ${BATCH_LEAVES} leaves/head)`, sealed(describeSpread(pick((round) => round.seal))), ''],
    ['raw read of the same rows (events, leaf columns, pages of 5,000)', describeSpread(pick((round) => round.rawRead)), ''],
    ['verify-range over everything (verifyRange)', describeSpread(pick((round) => round.verify)), `${median(pick((round) => round.verify)) >= GOAL_VERIFY_RATE ? 'met' : 'MISSED'} (≥ ${formatCount(GOAL_VERIFY_RATE)}/s)`],
    ['verify-range / raw read', ratio(verifyRatio), `${median(verifyRatio) >= GOAL_VERIFY_RATIO ? 'met' : 'MISSED'} (≥ ${GOAL_VERIFY_RATIO}x)`],
    ['export (readExportBundle → writeExportBundle)', describeSpread(pick((round) => round.exportRate)), ''],
    ["raw read of the bundle's files", describeSpread(pick((round) => round.rawFileRead)), ''],
    ['verify-export (verifyExportBundle, no database)', describeSpread(pick((round) => round.verifyExport)), ''],
    ['verify-export / raw file read', ratio(exportRatio), ''],
    ['raw SHA-256 over the leaf bytes (in memory, context)', describeSpread(pick((round) => round.rawHash)), ''],
  ];
  const header: [string, string, string] = [`measure (${EVENTS.toLocaleString('en-US')} events)`, 'events/s', 'goal'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(`\n${format(header)}`);
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(format(row));
  console.log(`\ncells: median (min-max) over ${rounds.length} round(s)`);
}

await main();
