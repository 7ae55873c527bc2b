/**
 * Event store benchmark: appends/s and global-read events/s on PostgreSQL and PGlite, each next
 * to a raw baseline measured in the same run (a plain single-row INSERT, one per transaction,
 * into a table of the same shape without the store's checks). Not a test.
 *
 *   npm run bench:event-store          (DATABASE_URL selects the server; default local trust auth)
 *
 * Results and how to read them: docs/benchmarks.md, "Event store".
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  createPostgresClient,
  eventAuthenticator,
  openPgliteClient,
  runMigrations,
  SqlEventStore,
  START_OF_LOG,
  type GlobalCheckpoint,
  type NewEvent,
  type SqlClient,
} from '@caracal/event-store';
import { describeSpread, median } from '../support/spread.js';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = 3;
const MEASURE_MS = 2_500;
const WARM_UP_MS = 500;
const READ_PAGE = 1_000;

interface WriteCase {
  label: string;
  writers: number;
  /** All writers on one stream (store: expected 'any', so they queue on the stream row lock). */
  oneStream: boolean;
}

const WRITE_CASES: WriteCase[] = [
  { label: '1 writer', writers: 1, oneStream: false },
  { label: '8 writers, own streams', writers: 8, oneStream: false },
  { label: '8 writers, one stream', writers: 8, oneStream: true },
];

interface Row {
  backend: string;
  measure: string;
  raw: number[];
  store: number[];
  /** The store with singleStatementAppend: false (every append calls caracal_append). */
  functionPath: number[];
}

const RAW_TABLE = `
  CREATE SEQUENCE raw_events_global_position_seq AS bigint CACHE 1;
  CREATE TABLE raw_events (
    global_position bigint      NOT NULL DEFAULT nextval('raw_events_global_position_seq') PRIMARY KEY,
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id       text        NOT NULL,
    stream_position bigint      NOT NULL,
    event_id        uuid        NOT NULL UNIQUE,
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL,
    data            jsonb       NOT NULL,
    metadata        jsonb       NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, stream_position)
  );
  CREATE INDEX ON raw_events (transaction_id, global_position);`;

async function main(): Promise<void> {
  const started = performance.now();
  const rows: Row[] = [];

  const database = await createDatabase();
  const postgres = createPostgresClient({ connectionString: database.url, max: 8 });
  try {
    rows.push(...(await benchBackend('PostgreSQL 15', postgres, WRITE_CASES)));
  } finally {
    await postgres.close();
    await database.drop();
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'caracal-bench-'));
  const pglite = await openPgliteClient({ dataDir });
  try {
    rows.push(...(await benchBackend('PGlite (data dir)', pglite, WRITE_CASES)));
  } finally {
    await pglite.close();
    await rm(dataDir, { recursive: true, force: true });
  }

  printTable(rows);
  console.log(`\n${ROUNDS} rounds, ${MEASURE_MS} ms each; total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

async function benchBackend(backend: string, client: SqlClient, cases: WriteCase[]): Promise<Row[]> {
  await runMigrations(client);
  await client.query(RAW_TABLE);
  // As the gateway writes: every event tagged with the event authentication key (docs/leaf-format.md).
  const authenticator = eventAuthenticator(randomBytes(32));
  const store = new SqlEventStore(client, { authenticator });
  const functionStore = new SqlEventStore(client, { singleStatementAppend: false, authenticator });
  const rows: Row[] = cases.map((writeCase) => ({
    backend,
    measure: `appends/s, ${writeCase.label}`,
    raw: [],
    store: [],
    functionPath: [],
  }));
  const read: Row = { backend, measure: 'global read, events/s', raw: [], store: [], functionPath: [] };

  for (const writeCase of WRITE_CASES) {
    await measureWrites(WARM_UP_MS, writeCase, rawAppender(client));
    await measureWrites(WARM_UP_MS, writeCase, storeAppender(store, writeCase));
    await measureWrites(WARM_UP_MS, writeCase, storeAppender(functionStore, writeCase));
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    process.stderr.write(`${backend}: round ${round + 1}/${ROUNDS}\n`);
    for (const [index, writeCase] of cases.entries()) {
      // Rotate which goes first, so drift on a noisy machine does not favour one side.
      const row = rows[index];
      const sides = [
        async () => void row.raw.push(await measureWrites(MEASURE_MS, writeCase, rawAppender(client))),
        async () => void row.store.push(await measureWrites(MEASURE_MS, writeCase, storeAppender(store, writeCase))),
        async () =>
          void row.functionPath.push(await measureWrites(MEASURE_MS, writeCase, storeAppender(functionStore, writeCase))),
      ];
      for (let side = 0; side < sides.length; side += 1) await sides[(round + side) % sides.length]();
    }
    read.raw.push(await measureRawRead(client));
    read.store.push(await measureStoreRead(store));
  }
  return [...rows, read];
}

type Appender = (writer: number, streamId: string, version: bigint) => Promise<void>;

function rawAppender(client: SqlClient): Appender {
  return async (_writer, streamId, version) => {
    const event = benchEvent();
    await client.query(
      `INSERT INTO raw_events (stream_id, stream_position, event_id, event_type, schema_version, data, metadata)
       VALUES ($1, $2::bigint, $3::uuid, $4, $5, $6::jsonb, $7::jsonb)`,
      [streamId, version.toString(), event.eventId, event.type, event.schemaVersion, JSON.stringify(event.data), JSON.stringify(event.metadata)],
    );
  };
}

function storeAppender(store: SqlEventStore, writeCase: WriteCase): Appender {
  return async (_writer, streamId, version) => {
    await store.append(streamId, [benchEvent()], { expected: writeCase.oneStream ? 'any' : version - 1n });
  };
}

/** Each writer appends one event per transaction until the time is up; returns appends/s. */
async function measureWrites(durationMs: number, writeCase: WriteCase, append: Appender): Promise<number> {
  const run = randomBytes(4).toString('hex');
  let shared = 0n; // next position of the shared stream (the raw table takes any unique position)
  const start = performance.now();
  const deadline = start + durationMs;
  const counts = await Promise.all(
    Array.from({ length: writeCase.writers }, async (_, writer) => {
      const streamId = writeCase.oneStream ? `bench-${run}` : `bench-${run}-${writer}`;
      let count = 0;
      while (performance.now() < deadline) {
        const version = writeCase.oneStream ? (shared += 1n) : BigInt(count + 1);
        await append(writer, streamId, version);
        count += 1;
      }
      return count;
    }),
  );
  const total = counts.reduce((sum, count) => sum + count, 0);
  return total / ((performance.now() - start) / 1000);
}

async function measureRawRead(client: SqlClient): Promise<number> {
  const start = performance.now();
  let after = '0';
  let total = 0;
  for (;;) {
    const { rows } = await client.query<{ global_position: string }>(
      `SELECT global_position, transaction_id, stream_id, stream_position, event_id, event_type, schema_version,
              data, metadata, recorded_at
         FROM raw_events WHERE global_position > $1::bigint ORDER BY global_position LIMIT $2`,
      [after, READ_PAGE],
    );
    if (rows.length === 0) break;
    total += rows.length;
    after = rows[rows.length - 1].global_position;
  }
  return total / ((performance.now() - start) / 1000);
}

async function measureStoreRead(store: SqlEventStore): Promise<number> {
  const start = performance.now();
  let checkpoint: GlobalCheckpoint = START_OF_LOG;
  let total = 0;
  for (;;) {
    const page = await store.readAll({ after: checkpoint, maxCount: READ_PAGE });
    if (page.length === 0) break;
    total += page.length;
    const last = page[page.length - 1];
    checkpoint = { transactionId: last.transactionId, globalPosition: last.globalPosition };
  }
  return total / ((performance.now() - start) / 1000);
}

function benchEvent(): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'SpendReserved',
    schemaVersion: 1,
    data: { reservationId: randomUUID(), agentId: randomUUID(), amount: '0.012500000', currency: 'USD' },
    metadata: { correlationId: randomUUID(), actor: 'bench' },
  };
}

function printTable(rows: Row[]): void {
  const header = ['backend', 'measure', 'raw baseline', 'event store', 'store / raw', 'function path', 'function / raw'];
  const lines = rows.map((row) => {
    const raw = median(row.raw);
    const ratio = (values: number[]) => (values.length === 0 ? '-' : `${(median(values) / raw).toFixed(2)}x`);
    return [
      row.backend,
      row.measure,
      describeSpread(row.raw),
      describeSpread(row.store),
      ratio(row.store),
      row.functionPath.length === 0 ? '-' : describeSpread(row.functionPath),
      ratio(row.functionPath),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(`\n${format(header)}`);
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
  console.log('\ncells: median (min-max) over the rounds; function path = the store with singleStatementAppend: false');
}


async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `caracal_bench_${randomBytes(4).toString('hex')}`;
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
