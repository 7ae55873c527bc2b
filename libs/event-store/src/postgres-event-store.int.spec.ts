import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import {
  createTestDatabase,
  shouldRunPostgresTests,
  type TestDatabase,
} from '@caracal/test-support/postgres-test-database.js';
import { StoreUnavailableError } from './event-store.errors.js';
import { runMigrations } from './migrations.js';
import { createPostgresClient } from './postgres-client.js';
import type { SqlClient } from './sql-client.js';
import { SqlEventStore } from './sql-event-store.js';
import { describeEventStoreConformance } from './testing/event-store-conformance.js';

// jest.config.js's per-project testTimeout is not applied by Jest (a global-only option).
jest.setTimeout(120_000);

const runPostgres = await shouldRunPostgresTests('PostgreSQL event store tests');
const describePostgres = runPostgres ? describe : describe.skip;

describePostgres('PostgreSQL event store', () => {
  let database: TestDatabase;
  let client: SqlClient;

  describeEventStoreConformance('PostgreSQL', {
    backend: 'postgres',
    async open() {
      database = await createTestDatabase('event_store');
      client = createPostgresClient({ connectionString: database.url, max: 10 });
      await runMigrations(client);
      return { client, store: new SqlEventStore(client) };
    },
    async close() {
      await client?.close();
      await database?.drop();
    },
    async openSecondStore() {
      const second = createPostgresClient({ connectionString: database.url, max: 2 });
      return { store: new SqlEventStore(second), close: () => second.close() };
    },
  });

  describe('transactions (BEGIN sent with the first statement)', () => {
    let txDatabase: TestDatabase;
    let single: SqlClient;
    const xact = 'SELECT pg_current_xact_id()::text AS id, $1::int AS n';
    beforeAll(async () => {
      txDatabase = await createTestDatabase('event_store_tx');
      // One connection: every transaction after the first takes BEGIN along with its first statement.
      single = createPostgresClient({ connectionString: txDatabase.url, max: 1 });
      await single.query('CREATE TABLE tx_rows (id int PRIMARY KEY)');
    });
    afterAll(async () => {
      await single?.close();
      await txDatabase?.drop();
    });

    it('runs the first statement inside the transaction, on a fresh connection and on a reused one', async () => {
      for (let round = 0; round < 3; round++) {
        const ids = await single.transaction(async (tx) => {
          const first = await tx.query<{ id: string }>(xact, [round], 'tx_xact');
          const second = await tx.query<{ id: string }>(xact, [round], 'tx_xact');
          return [first.rows[0].id, second.rows[0].id];
        });
        expect(ids[1]).toBe(ids[0]);
      }
      const simple = await single.transaction(async (tx) => {
        const first = await tx.query<{ id: string }>('SELECT pg_current_xact_id()::text AS id');
        return [first.rows[0].id, (await tx.query<{ id: string }>('SELECT pg_current_xact_id()::text AS id')).rows[0].id];
      });
      expect(simple[1]).toBe(simple[0]);
    });

    it('rolls back the first statement when a later one fails, and the connection stays usable', async () => {
      await expect(single.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_rows VALUES ($1)', [1], 'tx_insert');
        await tx.query('INSERT INTO tx_rows VALUES ($1)', [1], 'tx_insert');
      })).rejects.toMatchObject({ code: '23505' });
      expect((await single.query('SELECT id FROM tx_rows')).rows).toEqual([]);
    });

    it('a failing first statement fails the transaction; the next one commits', async () => {
      await expect(single.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_rows VALUES ($1::int / 0)', [1], 'tx_divide');
      })).rejects.toMatchObject({ code: '22012' });
      await expect(single.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_missing VALUES ($1)', [1], 'tx_missing_table');
      })).rejects.toMatchObject({ code: '42P01' });
      await single.transaction(async (tx) => tx.query('INSERT INTO tx_rows VALUES ($1)', [2], 'tx_insert'));
      expect((await single.query('SELECT id FROM tx_rows')).rows).toEqual([{ id: 2 }]);
    });
  });

  describe('queryThenCommit (COMMIT sent with the last statement)', () => {
    let commitDatabase: TestDatabase;
    let single: SqlClient;
    const rows = async (): Promise<unknown[]> => (await single.query('SELECT id FROM commit_rows ORDER BY id')).rows;
    beforeAll(async () => {
      commitDatabase = await createTestDatabase('event_store_commit');
      single = createPostgresClient({ connectionString: commitDatabase.url, max: 1 });
      // Deferred: a duplicate fails at COMMIT, inside the group, not at its INSERT.
      await single.query('CREATE TABLE commit_rows (id int, CONSTRAINT commit_rows_unique UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)');
    });
    afterAll(async () => {
      await single?.close();
      await commitDatabase?.drop();
    });

    it('commits the transaction with its last statement, on a fresh connection and on a reused one', async () => {
      for (const id of [1, 3]) {
        const returned = await single.transaction(async (tx) => {
          await tx.query('INSERT INTO commit_rows VALUES ($1)', [id], 'commit_insert');
          return (await tx.queryThenCommit!<{ id: number }>('INSERT INTO commit_rows VALUES ($1 + 1) RETURNING id', [id], 'commit_insert_next')).rows;
        });
        expect(returned).toEqual([{ id: id + 1 }]);
      }
      expect(await rows()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
      // Alone, it is the whole transaction.
      await single.transaction(async (tx) => tx.queryThenCommit!('INSERT INTO commit_rows VALUES ($1)', [5], 'commit_insert'));
      expect(await rows()).toHaveLength(5);
    });

    it('commits nothing when the last statement or the COMMIT fails, and the connection stays usable', async () => {
      await single.query('DELETE FROM commit_rows');
      await expect(single.transaction(async (tx) => {
        await tx.query('INSERT INTO commit_rows VALUES ($1)', [10], 'commit_insert');
        await tx.queryThenCommit!('INSERT INTO commit_rows VALUES ($1::int / 0)', [1], 'commit_divide');
      })).rejects.toMatchObject({ code: '22012' });
      await expect(single.transaction(async (tx) => {
        await tx.query('INSERT INTO commit_rows VALUES ($1)', [10], 'commit_insert');
        await tx.queryThenCommit!('INSERT INTO commit_rows VALUES ($1)', [10], 'commit_insert');
      })).rejects.toMatchObject({ code: '23505', constraint: 'commit_rows_unique' });
      expect(await rows()).toEqual([]);
      await single.transaction(async (tx) => tx.query('INSERT INTO commit_rows VALUES ($1)', [11], 'commit_insert'));
      expect(await rows()).toEqual([{ id: 11 }]);
    });

    it('queryPair: both statements in one round trip once the second is prepared, the transaction going on; a failing first statement fails it', async () => {
      await single.query('DELETE FROM commit_rows');
      const insert = { sql: 'INSERT INTO commit_rows VALUES ($1::int / $2::int) RETURNING id', preparedName: 'pair_insert' };
      const count = { sql: 'SELECT count(*)::int AS n FROM commit_rows WHERE id >= $1', preparedName: 'pair_count' };
      const pair = (id: number, divisor: number) =>
        single.transaction(async (tx) => {
          const [inserted, counted] = await tx.queryPair!<{ id: number }, { n: number }>({ ...insert, params: [id, divisor] }, { ...count, params: [0] });
          await tx.query('INSERT INTO commit_rows VALUES ($1)', [id + 1], 'commit_insert');
          return [inserted.rows, counted.rows];
        });
      expect(await pair(30, 1)).toEqual([[{ id: 30 }], [{ n: 1 }]]); // prepares pair_count: two round trips
      const syncs = jest.spyOn(pg.Connection.prototype, 'sync');
      try {
        // The second statement sees the first's row; then the INSERT and the COMMIT: three Syncs.
        expect(await pair(40, 1)).toEqual([[{ id: 40 }], [{ n: 3 }]]);
        expect(syncs).toHaveBeenCalledTimes(3);
      } finally {
        syncs.mockRestore();
      }
      await expect(pair(50, 0)).rejects.toMatchObject({ code: '22012' });
      expect(await rows()).toEqual([{ id: 30 }, { id: 31 }, { id: 40 }, { id: 41 }]);
    });

    it('refuses a statement after it', async () => {
      await single.query('DELETE FROM commit_rows');
      await expect(single.transaction(async (tx) => {
        await tx.query('INSERT INTO commit_rows VALUES ($1)', [20], 'commit_insert');
        await tx.queryThenCommit!('INSERT INTO commit_rows VALUES ($1)', [21], 'commit_insert');
        await tx.query('INSERT INTO commit_rows VALUES ($1)', [22], 'commit_insert');
      })).rejects.toThrow(/no statement may follow queryThenCommit/);
      // What it committed stays committed.
      expect(await rows()).toEqual([{ id: 20 }, { id: 21 }]);
    });
  });

  describe('append with a commit statement (insert, statement and COMMIT in one round trip)', () => {
    let tripDatabase: TestDatabase;
    let single: SqlClient;
    let store: SqlEventStore;
    const event = () => ({ eventId: crypto.randomUUID(), type: 'Tripped', schemaVersion: 1, data: { quote: '"\u0001' }, metadata: {} });
    // $3 = 0 makes the statement fail (division by zero) after the insert has run.
    const after = (streamId: string, n: number, divisor = 1) => ({ sql: 'INSERT INTO after_rows VALUES ($1, $2::int / $3::int)', params: [streamId, n, divisor], preparedName: 'after_insert' });
    const afterRows = async (streamId: string): Promise<number[]> =>
      (await single.query<{ n: number }>('SELECT n FROM after_rows WHERE stream_id = $1 ORDER BY n', [streamId])).rows.map((row) => row.n);
    /** Appends the stream's first two events, so the connection has prepared the statements. */
    const started = async (): Promise<string> => {
      const streamId = `trip-${crypto.randomUUID()}`;
      await store.append(streamId, [event()], { expected: 'no_stream', commitStatement: after(streamId, 1) });
      await store.append(streamId, [event()], { expected: 1n, commitStatement: after(streamId, 2) });
      return streamId;
    };
    beforeAll(async () => {
      tripDatabase = await createTestDatabase('event_store_trip');
      // One connection: every append after the first two finds the statements prepared on it.
      single = createPostgresClient({ connectionString: tripDatabase.url, max: 1 });
      await runMigrations(single);
      await single.query('CREATE TABLE after_rows (stream_id text, n int)');
      store = new SqlEventStore(single);
    });
    afterAll(async () => {
      await single?.close();
      await tripDatabase?.drop();
    });

    it('commits the events and the statement together, in one round trip once the connection has prepared them', async () => {
      const streamId = await started();
      const syncs = jest.spyOn(pg.Connection.prototype, 'sync');
      let result;
      try {
        result = await store.append(streamId, [event(), event()], { expected: 2n, commitStatement: after(streamId, 3) });
        expect(syncs).toHaveBeenCalledTimes(1);
      } finally {
        syncs.mockRestore();
      }
      expect(result.nextExpectedVersion).toBe(4n);
      expect(await afterRows(streamId)).toEqual([1, 2, 3]);
      const stored = await store.readStream(streamId);
      expect(stored.map((recorded) => recorded.streamPosition)).toEqual([1n, 2n, 3n, 4n]);
      expect(stored[3].data).toEqual({ quote: '"\u0001' });
      expect(stored[3].globalPosition).toBe(result.lastGlobalPosition);
    });

    it('commits nothing when the statement fails, and the connection stays usable', async () => {
      const streamId = await started();
      await expect(store.append(streamId, [event()], { expected: 2n, commitStatement: after(streamId, 3, 0) })).rejects.toMatchObject({ code: '22012' });
      expect(await store.streamVersion(streamId)).toBe(2n);
      expect(await afterRows(streamId)).toEqual([1, 2]);
      await store.append(streamId, [event()], { expected: 2n, commitStatement: after(streamId, 3) });
      expect(await afterRows(streamId)).toEqual([1, 2, 3]);
    });

    it('a stream past the expected version: WrongExpectedVersionError with its version, and the statement does not run', async () => {
      const streamId = await started();
      await expect(store.append(streamId, [event()], { expected: 1n, commitStatement: after(streamId, 9) }))
        .rejects.toMatchObject({ name: 'WrongExpectedVersionError', actual: 2n });
      expect(await afterRows(streamId)).toEqual([1, 2]);
      expect(await store.streamVersion(streamId)).toBe(2n);
    });

    it('appendLocked: two round trips, the lock with the tail read, then the events with the statement and the COMMIT', async () => {
      const streamId = await started();
      // The connection's first locked append prepares the tail read.
      await store.appendLocked(streamId, { knownVersion: 2n, decide: () => [event()], commitStatement: () => after(streamId, 3) });
      await store.append(streamId, [event()], { expected: 3n }); // another writer's
      const syncs = jest.spyOn(pg.Connection.prototype, 'sync');
      let result;
      try {
        result = await store.appendLocked(streamId, { knownVersion: 3n, decide: () => [event()], commitStatement: () => after(streamId, 5) });
        expect(syncs).toHaveBeenCalledTimes(2);
      } finally {
        syncs.mockRestore();
      }
      expect(result?.tail.map((recorded) => recorded.streamPosition)).toEqual([4n]);
      expect(result?.tail[0].data).toEqual({ quote: '"\u0001' });
      expect(result?.appended?.nextExpectedVersion).toBe(5n);
      expect(await afterRows(streamId)).toEqual([1, 2, 3, 5]);
      expect((await store.readStream(streamId)).map((recorded) => recorded.streamPosition)).toEqual([1n, 2n, 3n, 4n, 5n]);
    });

    it('an idempotent replay returns the first append\'s result and does not run the statement again', async () => {
      const streamId = await started();
      const events = [event(), event()];
      const first = await store.append(streamId, events, { expected: 2n, commitStatement: after(streamId, 3) });
      const replayed = await store.append(streamId, events, { expected: 2n, commitStatement: after(streamId, 4) });
      expect(replayed).toEqual(first);
      expect(await afterRows(streamId)).toEqual([1, 2, 3]);
    });
  });

  describe('hasHeldBackEvents', () => {
    let heldDatabase: TestDatabase;
    let single: SqlClient;
    let store: SqlEventStore;
    const event = () => ({ eventId: crypto.randomUUID(), type: 'Held', schemaVersion: 1, data: {}, metadata: {} });
    /** The scans of `events` counted so far, this connection's pending counts flushed first. */
    const eventScans = async (): Promise<{ seq: number; index: number }> => {
      await single.query('SELECT pg_stat_force_next_flush()');
      const { rows } = await single.query<{ seq: string; index: string }>(
        "SELECT seq_scan AS seq, idx_scan AS index FROM pg_stat_user_tables WHERE relname = 'events'",
      );
      return { seq: Number(rows[0].seq), index: Number(rows[0].index) };
    };
    beforeAll(async () => {
      heldDatabase = await createTestDatabase('event_store_held');
      // One connection, so that the statistics read are those of the store's own queries.
      single = createPostgresClient({ connectionString: heldDatabase.url, max: 1 });
      await runMigrations(single);
      store = new SqlEventStore(single);
    });
    afterAll(async () => {
      await single?.close();
      await heldDatabase?.drop();
    });

    it('is true while an older open transaction holds a committed event back, false once it ends', async () => {
      await store.append('held-first', [event()], { expected: 'no_stream' });
      const head = await store.headCheckpoint();
      const older = new pg.Client({ connectionString: heldDatabase.url });
      await older.connect();
      try {
        await older.query('BEGIN');
        await older.query('SELECT pg_current_xact_id()'); // takes a transaction id older than the append below
        await store.append('held-second', [event()], { expected: 'no_stream' });
        expect(await store.readAll({ after: head })).toEqual([]);
        expect(await store.hasHeldBackEvents(head)).toBe(true);
        await older.query('ROLLBACK');
      } finally {
        await older.end();
      }
      expect(await store.hasHeldBackEvents(head)).toBe(false);
      expect((await store.readAll({ after: head })).map((recorded) => recorded.streamId)).toEqual(['held-second']);
    });

    it('at the head of a long log, answers from the index without scanning the log', async () => {
      // Enough events that a plan expecting many rows past the checkpoint scans the table, and no
      // statistics yet (a new database, or autovacuum off): the plan must not rest on them.
      for (let chunk = 0; chunk < 6; chunk += 1) {
        await store.append(`held-log-${chunk}`, Array.from({ length: 1_000 }, event), { expected: 'no_stream' });
      }
      const head = await store.headCheckpoint();
      const before = await eventScans();
      expect(await store.hasHeldBackEvents(head)).toBe(false);
      const after = await eventScans();
      expect(after.seq - before.seq).toBe(0);
      // Planning probes the index's ends too, so the index is used more than once.
      expect(after.index - before.index).toBeGreaterThan(0);
    });
  });

  describe('migrations on PostgreSQL', () => {
    let fresh: TestDatabase;
    beforeAll(async () => {
      fresh = await createTestDatabase('event_store_migrate');
    });
    afterAll(async () => {
      await fresh?.drop();
    });

    it('two processes migrating one fresh database at once: one applies, the other waits and finds nothing to do', async () => {
      const clients = [0, 1].map(() => createPostgresClient({ connectionString: fresh.url, max: 1 }));
      try {
        const results = await Promise.all(clients.map((migrating) => runMigrations(migrating)));
        const applied = results.map((result) => result.applied).sort((a, b) => b.length - a.length);
        expect(applied[0]).toContain('001_event_store');
        expect(applied[1]).toEqual([]);
        expect(results[0].current).toEqual(results[1].current);
      } finally {
        await Promise.all(clients.map((migrating) => migrating.close()));
      }
    });
  });

  describe('LISTEN connection', () => {
    it('reconnects after the server ends it, wakes listeners, and hears notifications again', async () => {
      const database = await createTestDatabase('event_store_listen');
      const listening = createPostgresClient({ connectionString: database.url, onBackgroundError: () => undefined });
      const payloads: string[] = [];
      let heard: (() => void) | null = null;
      const next = (what: string) => withDeadline(new Promise<void>((resolve) => (heard = resolve)), what);
      try {
        await listening.listen('test_channel', (payload) => {
          payloads.push(payload);
          heard?.();
        });
        let arrived = next('the first notification');
        await listening.query("SELECT pg_notify('test_channel', 'before')");
        await arrived;

        arrived = next('the wake-up after reconnecting');
        await listening.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        );
        await arrived;

        arrived = next('a notification on the new connection');
        await listening.query("SELECT pg_notify('test_channel', 'after')");
        await arrived;
        expect(payloads).toEqual(['before', '', 'after']);
      } finally {
        await listening.close();
        await database.drop();
      }
    });
  });

  describe('an unreachable server', () => {
    it('surfaces as StoreUnavailableError, from queries, transactions and appends', async () => {
      const unreachable = createPostgresClient({
        connectionString: 'postgres://postgres@127.0.0.1:1/none',
        connectionTimeoutMillis: 1_000,
        onBackgroundError: () => undefined,
      });
      try {
        await expect(unreachable.query('SELECT 1')).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(unreachable.transaction(async () => 1)).rejects.toBeInstanceOf(StoreUnavailableError);
        const store = new SqlEventStore(unreachable);
        const event = { eventId: crypto.randomUUID(), type: 'T', schemaVersion: 1, data: {}, metadata: {} };
        await expect(store.append('s', [event], { expected: 'any' })).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(unreachable.listen('caracal_events', () => undefined)).rejects.toBeInstanceOf(StoreUnavailableError);
      } finally {
        await unreachable.close();
      }
    });

    it('a dropped database surfaces as StoreUnavailableError', async () => {
      const doomed = await createTestDatabase('event_store_doomed');
      const doomedClient = createPostgresClient({ connectionString: doomed.url, onBackgroundError: () => undefined });
      try {
        await doomedClient.query('SELECT 1');
        await doomed.drop();
        await expect(doomedClient.query('SELECT 1')).rejects.toBeInstanceOf(StoreUnavailableError);
      } finally {
        await doomedClient.close();
      }
    });
  });
});

function withDeadline<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
