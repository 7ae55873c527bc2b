/**
 * Merkle benchmark: seal and verify-range over the whole event log, next to raw SHA-256 over the
 * same canonical leaf bytes in the same run. Not a test.
 *
 *   npm run build && node dist/bench/merkle/main.js [--events 1000000] [--rounds 1] [--batch 2000]
 *       [--batch-leaves 1000] [--keep] [--skip-seal]
 *
 * The log is the replay benchmark's (bench/replay/generate.ts: generated through the domain).
 * Per round:
 *  - seal: `db reset` of the merkle-sealer, then a ProcessorRunner from the start of the log to
 *    its head (batches of --batch events, a transaction each, heads every --batch-leaves leaves),
 *    and the last partial batch sealed (sealOpen); events/s = log size / that time;
 *  - verify: verifyRange over everything (what `GET /v1/merkle/verify-range` runs);
 *  - raw: one node:crypto SHA-256 per leaf over 0x00 ‖ its canonical bytes, computed beforehand
 *    (not timed) from the sealed leaves and the events;
 *  - parse + canonicalize + hash: JSON.parse of data/metadata as pg returns them (text),
 *    RFC 8785 canonicalization and the leaf hash, in this process (the rows read beforehand).
 *
 * --keep keeps the generated database (caracal_bench_merkle_keep_<events>) and reuses it;
 * --skip-seal then measures verify and hashing only, over the log the previous run sealed (for
 * profiling verify: `node --cpu-prof dist/bench/merkle/main.js --events 100000 --keep --skip-seal`).
 * DATABASE_URL selects the server (default local trust auth). Results: docs/benchmarks.md, "Merkle".
 */
import { hash } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createPostgresClient, runMigrations, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { canonicalLeafBytes, eventLeafHash, generateSigningKeyPair, toHex, type EventLeafInput } from '@caracal/merkle';
import { loadCheckpoint, ProcessorRunner, type ProcessorLogger } from '@caracal/processing';
import { createMerkleSealer, MERKLE_SEALER_TABLES, recordedAtTextSql, signerFromPrivateKey, verifyRange } from '@caracal/sealing';
import { generateLog } from '../replay/generate.js';
import { describeSpread, formatCount, median } from '../support/spread.js';
import { createBenchDatabase } from '../support/bench-database.js';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const GOAL_VERIFY_RATIO = 0.5;
const READ_PAGE = 5000;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '1' },
    // The sealer's ProcessorRunner batch: events per read and per transaction.
    batch: { type: 'string', default: '2000' },
    // N: leaves per sealed batch (the gateway's default is 1000).
    'batch-leaves': { type: 'string', default: '1000' },
    roots: { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
    'skip-seal': { type: 'boolean', default: false },
  },
});
const EVENTS = Number(args.events);
const ROUNDS = Number(args.rounds);
const RUNNER_BATCH = Number(args.batch);
const BATCH_LEAVES = Number(args['batch-leaves']);

interface Round {
  /** NaN with --skip-seal. */
  seal: number;
  verify: number;
  raw: number;
  canonical: number;
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
      process.stderr.write(`  seal ${formatCount(seal)}/s\n  verify\n`);
      // Before the leaf bytes are held in memory (~700 MB at 1M): verify does not pay their GC.
      const verify = await measureVerify(client);
      process.stderr.write(`  verify ${formatCount(verify)}/s\n  leaf bytes and parse + canonicalize + hash\n`);
      const { leaves, canonical, bytes } = await canonicalLeaves(client);
      const raw = measureRawHash(leaves);
      process.stderr.write(`  raw SHA-256 ${formatCount(raw)}/s (${(bytes / leaves.length).toFixed(0)} bytes/leaf), canonical ${formatCount(canonical)}/s\n`);
      rounds.push({ seal, verify, raw, canonical });
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
  const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM merkle_leaves WHERE batch_id IS NOT NULL');
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
  const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM merkle_leaves WHERE batch_id IS NOT NULL');
  check(Number(rows[0].n), EVENTS, 'leaves in sealed batches');
  return EVENTS / seconds;
}

interface LeafRow extends Record<string, unknown> {
  merkle_index: string;
  leaf_hash: string;
  global_position: string;
  stream_id: string;
  stream_position: string;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: string;
  metadata: string;
  recorded_at: string;
}

/**
 * Every leaf's hash input (0x00 ‖ canonical bytes), read as verify-batch reads the events (data
 * as text, recorded_at with microseconds; reading is not timed), each checked against the sealed
 * leaf hash. Times only JSON.parse + canonicalization + leaf hash, page by page.
 */
async function canonicalLeaves(client: SqlClient): Promise<{ leaves: Buffer[]; canonical: number; bytes: number }> {
  const leaves: Buffer[] = [];
  let bytes = 0;
  let timed = 0;
  for (let from = 0; ; from += READ_PAGE) {
    const { rows } = await client.query<LeafRow>(
      `SELECT l.merkle_index::text AS merkle_index, encode(l.leaf_hash, 'hex') AS leaf_hash,
              e.global_position::text AS global_position, e.stream_id, e.stream_position::text AS stream_position,
              e.event_id::text AS event_id, e.event_type, e.schema_version, e.data::text AS data, e.metadata::text AS metadata,
              ${recordedAtTextSql('e.recorded_at')} AS recorded_at
         FROM merkle_leaves l JOIN events e ON e.global_position = l.global_position
        WHERE l.merkle_index BETWEEN $1 AND $2 ORDER BY l.merkle_index`,
      [from, from + READ_PAGE - 1],
    );
    if (rows.length === 0) break;
    const start = performance.now();
    const hashes = rows.map((row) => eventLeafHash(input(row)));
    timed += performance.now() - start;
    rows.forEach((row, i) => {
      if (toHex(hashes[i]) !== row.leaf_hash) throw new Error(`leaf ${row.merkle_index}: recomputed hash differs from the sealed one`);
      const leaf = Buffer.concat([Buffer.from([0x00]), canonicalLeafBytes(input(row))]);
      bytes += leaf.length;
      leaves.push(leaf);
    });
  }
  check(leaves.length, EVENTS, 'canonical leaves');
  return { leaves, canonical: leaves.length / (timed / 1000), bytes };
}

function input(row: LeafRow): EventLeafInput {
  return {
    merkleIndex: row.merkle_index,
    globalPosition: row.global_position,
    streamId: row.stream_id,
    streamPosition: row.stream_position,
    eventId: row.event_id,
    eventType: row.event_type,
    schemaVersion: row.schema_version,
    data: JSON.parse(row.data) as Record<string, unknown>,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    recordedAt: row.recorded_at,
  };
}

/** One SHA-256 per leaf over its precomputed input: the floor any verifier pays. */
function measureRawHash(leaves: readonly Buffer[]): number {
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
  const verifyRatio = pick((round) => round.verify / round.raw);
  const sealed = (cell: string): string => (args['skip-seal'] ? 'not measured (--skip-seal)' : cell);
  const rows: [string, string, string][] = [
    [`seal (merkle-sealer via ProcessorRunner, batch ${RUNNER_BATCH}, ${BATCH_LEAVES} leaves/head)`, sealed(describeSpread(pick((round) => round.seal))), ''],
    ['verify-range over everything (verifyRange)', describeSpread(pick((round) => round.verify)), ''],
    ['raw SHA-256 over the canonical leaf bytes (node:crypto)', describeSpread(pick((round) => round.raw)), ''],
    ['JSON.parse + canonicalize + leaf hash (in process)', describeSpread(pick((round) => round.canonical)), ''],
    ['seal / raw', sealed(ratio(pick((round) => round.seal / round.raw))), ''],
    ['verify / raw', ratio(verifyRatio), `${median(verifyRatio) >= GOAL_VERIFY_RATIO ? 'met' : 'MISSED'} (≥ ${GOAL_VERIFY_RATIO}x)`],
    ['verify / (parse + canonicalize + hash)', ratio(pick((round) => round.verify / round.canonical)), ''],
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
