/**
 * Append throughput of this build's event store against another build's, interleaved in one
 * process so both sides see the same machine load (a noisy machine moves absolute figures by 2x
 * between runs; docs/benchmarks.md). Each side appends to its own database, migrated by its own
 * build; rounds alternate which side goes first. Not a test.
 *
 *   node dist/bench/event-store/against-build.js --base <other checkout>/dist/libs/event-store/src/index.js [--rounds 8] [--ms 2000] [--untagged] [--backends postgres,pglite]
 *
 * Besides appends/s, each side's WAL bytes per append (pg_current_wal_lsn around its measurement: the
 * sides take turns, so the WAL of a window is its side's) and, at the end, its events table's heap
 * bytes per event.
 *
 * --untagged adds a third side, this build without an authenticator (events not tagged), in the
 * same rounds: what the event's tag costs this build (this/untagged), and untagged/base.
 *
 * e.g. the other build: `git archive <commit> | tar -x -C /tmp/base && ln -s $PWD/node_modules /tmp/base/
 * && (cd /tmp/base && npx tsc -p tsconfig.build.json)`. Results: docs/benchmarks.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as current from '@caracal/event-store';
import { createBenchDatabase } from '../support/bench-database.js';
import { describeSpread, median } from '../support/spread.js';
import { parseBenchFlags } from '../support/bench-flags.js';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const args = parseBenchFlags({ base: { type: 'string' }, rounds: { type: 'string', default: '8' }, ms: { type: 'string', default: '2000' }, writers: { type: 'string', default: '8' }, untagged: { type: 'boolean', default: false },
  backends: { type: 'string', default: 'postgres,pglite' } });
if (args.base === undefined) throw new Error('--base <path to the other build\'s libs/event-store/src/index.js> is required');
const ROUNDS = Number(args.rounds);
const MEASURE_MS = Number(args.ms);
const WRITERS = Number(args.writers);

type Module = typeof current;
interface Side {
  name: string;
  append(streamId: string, version: bigint): Promise<void>;
  /** The database's WAL insert position. */
  walPosition(): Promise<string>;
  /** WAL bytes written since a walPosition(). */
  walSince(position: string): Promise<number>;
  /** Heap bytes of the events table per event. */
  heapBytesPerEvent(): Promise<number>;
  close(): Promise<void>;
}

async function side(name: string, lib: Module, backend: 'postgres' | 'pglite', tagged = true): Promise<Side> {
  let client: current.SqlClient;
  let cleanup: () => Promise<void>;
  if (backend === 'postgres') {
    const database = await createBenchDatabase(ADMIN_URL, `caracal_bench_ab_${name.replace('-', '_')}`, { keep: false, events: 0 });
    client = lib.createPostgresClient({ connectionString: database.url, max: WRITERS });
    cleanup = () => database.drop();
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'caracal-bench-ab-'));
    client = await lib.openPgliteClient({ dataDir: dir });
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
  await lib.runMigrations(client);
  // This build tags every event (as the gateway does) unless told not to; an older build has no authenticator option.
  const authenticator = tagged && 'eventAuthenticator' in lib ? lib.eventAuthenticator(randomBytes(32)) : undefined;
  const store = new lib.SqlEventStore(client, { authenticator } as current.SqlEventStoreOptions);
  return {
    name,
    append: async (streamId, version) => {
      await store.append(streamId, [{
        eventId: randomUUID(), type: 'SpendReserved', schemaVersion: 1,
        data: { reservationId: randomUUID(), agentId: randomUUID(), amount: '0.012500000', currency: 'USD' },
        metadata: { correlationId: randomUUID(), actor: 'bench' },
      }], { expected: version - 1n });
    },
    walPosition: async () => (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn,
    walSince: async (position) =>
      (await client.query<{ bytes: number }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS bytes', [position])).rows[0].bytes,
    heapBytesPerEvent: async () =>
      (await client.query<{ bytes: number }>(`SELECT pg_relation_size('events')::float8 / count(*) AS bytes FROM events`)).rows[0].bytes,
    close: async () => {
      await client.close();
      await cleanup();
    },
  };
}

/** WRITERS writers on their own streams, one event per append, for `ms`: appends/s and WAL bytes per append. */
async function measure(target: Side, ms: number): Promise<{ rate: number; walPerAppend: number }> {
  const run = randomBytes(4).toString('hex');
  const wal = await target.walPosition();
  const start = performance.now();
  const counts = await Promise.all(Array.from({ length: WRITERS }, async (_, writer) => {
    let count = 0;
    while (performance.now() - start < ms) {
      await target.append(`ab-${run}-${writer}`, BigInt(count + 1));
      count += 1;
    }
    return count;
  }));
  const seconds = (performance.now() - start) / 1000;
  const appends = counts.reduce((a, b) => a + b, 0);
  return { rate: appends / seconds, walPerAppend: (await target.walSince(wal)) / appends };
}

const base = (await import(args.base)) as Module;
const BACKENDS = args.backends.split(',').map((name) => {
  if (name !== 'postgres' && name !== 'pglite') throw new Error(`--backends: postgres and/or pglite, got ${name}`);
  return name;
});
for (const backend of BACKENDS) {
  const sides = [await side('base', base, backend), await side('this', current, backend)];
  if (args.untagged) sides.push(await side('this-untagged', current, backend, false));
  try {
    for (const s of sides) await measure(s, 500); // warm-up
    const rates = new Map<string, number[]>(sides.map((s) => [s.name, []]));
    const walPerAppend = new Map<string, number[]>(sides.map((s) => [s.name, []]));
    const ratios = new Map<string, number[]>();
    const ratio = (label: string, value: number) => ratios.set(label, [...(ratios.get(label) ?? []), value]);
    for (let round = 0; round < ROUNDS; round++) {
      // Each side goes first in turn (with two sides: alternating), so none always follows the same one.
      const order = sides.map((_, index) => sides[(index + round) % sides.length]);
      const got: Record<string, number> = {};
      for (const s of order) {
        const measured = await measure(s, MEASURE_MS);
        got[s.name] = measured.rate;
        walPerAppend.get(s.name)?.push(measured.walPerAppend);
      }
      for (const s of sides) rates.get(s.name)?.push(got[s.name]);
      ratio('this/base', got.this / got.base);
      if (args.untagged) {
        ratio('this/untagged', got.this / got['this-untagged']);
        ratio('untagged/base', got['this-untagged'] / got.base);
      }
      process.stderr.write(`${backend} round ${round + 1}: ${sides.map((s) => `${s.name} ${got[s.name].toFixed(0)}/s`).join(', ')}\n`);
    }
    console.log(
      `${backend}, ${WRITERS} writers, own streams: ${sides.map((s) => `${s.name} ${median(rates.get(s.name) ?? []).toFixed(0)}/s`).join(', ')}; ` +
        `per round: ${[...ratios].map(([label, values]) => `${label} median ${describeSpread(values, 3)}`).join(', ')} over ${ROUNDS} rounds`,
    );
    const footprints: string[] = [];
    for (const s of sides) {
      footprints.push(`${s.name} WAL ${median(walPerAppend.get(s.name) ?? []).toFixed(0)} B/append (median of rounds), heap ${(await s.heapBytesPerEvent()).toFixed(0)} B/event`);
    }
    console.log(`${backend}: ${footprints.join('; ')}`);
  } finally {
    for (const s of sides) await s.close();
  }
}
