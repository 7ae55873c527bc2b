import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  createTestDatabase,
  shouldRunPostgresTests,
  type TestDatabase,
} from '@caracal/test-support/postgres-test-database.js';
import { waitFor } from '@caracal/test-support/wait-for.js';
import {
  START_OF_LOG,
  createPostgresClient,
  runMigrations,
  SqlEventStore,
  type RecordedEvent,
  type SqlClient,
} from '@caracal/event-store';
import { loadCheckpoint } from './checkpoint-store.js';
import { consumerLag } from './consumer-lag.js';
import { ProcessorRunner, type ProcessorRunnerOptions } from './processor-runner.js';
import { describeProcessingSuite } from './testing/processing-suite.js';
import { TestProjection } from './testing/test-projection.js';

// jest.config.js's per-project testTimeout is not applied by Jest (a global-only option).
jest.setTimeout(120_000);

const runPostgres = await shouldRunPostgresTests('PostgreSQL processor runtime tests');
const describePostgres = runPostgres ? describe : describe.skip;
const quiet = () => undefined;

describePostgres('PostgreSQL processor runtime', () => {
  let suiteDatabase: TestDatabase | undefined;
  let suiteClient: SqlClient | undefined;

  describeProcessingSuite('PostgreSQL', {
    async open() {
      suiteDatabase = await createTestDatabase('processing');
      suiteClient = createPostgresClient({ connectionString: suiteDatabase.url, max: 10 });
      await runMigrations(suiteClient);
      return { client: suiteClient, store: new SqlEventStore(suiteClient) };
    },
    async close() {
      await suiteClient?.close();
      await suiteDatabase?.drop();
    },
  });

  describe('instances as separate processes (one connection pool each)', () => {
    let database: TestDatabase;
    let admin: SqlClient;
    let store: SqlEventStore;
    const pools: SqlClient[] = [];
    const runners: ProcessorRunner[] = [];

    beforeAll(async () => {
      database = await createTestDatabase('processing_procs');
      admin = createPostgresClient({ connectionString: database.url, max: 4 });
      await runMigrations(admin);
      store = new SqlEventStore(admin);
    });
    afterAll(async () => {
      await Promise.all(runners.map((runner) => runner.stop({ releaseLease: false })));
      await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
      await admin?.close();
      await database?.drop();
    });

    /** An "instance": its own pool, store and runner, as a separate projector process would have. */
    function instance(processor: TestProjection, owner: string, options: Partial<ProcessorRunnerOptions> = {}) {
      const pool = createPostgresClient({ connectionString: database.url, max: 3, onBackgroundError: quiet });
      pools.push(pool);
      const runner = new ProcessorRunner({
        client: pool,
        store: new SqlEventStore(pool, { onNotifyError: quiet }),
        processor,
        owner,
        pollMs: 100,
        leaseMs: 1_500,
        logger: quiet,
        ...options,
      });
      runners.push(runner);
      return { pool, runner };
    }

    async function append(prefix: string, count: number): Promise<RecordedEvent[]> {
      const recorded: RecordedEvent[] = [];
      for (let i = 0; i < count; i += 1) {
        const streamId = `${prefix}${i % 4}`;
        await store.append(streamId, [{ eventId: randomUUID(), type: 'Tested', schemaVersion: 1, data: { i }, metadata: {} }], {
          expected: 'any',
        });
        recorded.push((await store.readStream(streamId, { direction: 'backward', maxCount: 1 }))[0]);
      }
      return recorded;
    }

    async function expectEachOnce(processor: TestProjection, events: readonly RecordedEvent[]) {
      const counts = await processor.counts(admin);
      expect(events.filter((event) => counts.get(event.eventId) !== 1).map((event) => event.eventId)).toEqual([]);
      expect(counts.size).toBe(events.length);
    }

    it('simulated kill -9 mid-batch (apply hangs after writing half a batch; its backend is terminated and the instance abandons its lease): the replacement projects every event exactly once', async () => {
      const processor = new TestProjection('kill-test', 1, 'proj_kill_test', 'kill-');
      await processor.createTable(admin);
      const events = await append('kill-', 40);
      processor.hangAfterRows = 20; // mid-batch: 20 of the 40 rows written, not committed
      const doomed = instance(processor, 'doomed', { batchSize: 100 });
      doomed.runner.start();
      await waitFor(() => processor.hungBackendPid !== null, 'the batch to hang half written');
      expect((await processor.counts(admin)).size).toBe(0); // nothing of the open batch is visible
      expect((await loadCheckpoint(admin, processor))?.checkpoint).toEqual(START_OF_LOG);

      // The "kill": the process stops (no lease release, no more renewals) and its connection dies.
      const stopped = doomed.runner.stop({ releaseLease: false });
      await admin.query('SELECT pg_terminate_backend($1)', [processor.hungBackendPid]);
      await stopped;
      await doomed.pool.close().catch(() => undefined);
      expect((await processor.counts(admin)).size).toBe(0);
      const lease = await consumerLag(admin, store, processor);
      expect(lease.owner).toBe('doomed');

      const restarted = instance(processor, 'restarted', { batchSize: 7 });
      restarted.runner.start();
      await waitFor(async () => (await processor.counts(admin)).size === events.length, 'the restart to catch up', 20_000);
      await restarted.runner.stop();
      await expectEachOnce(processor, events);
      const checkpoint = await loadCheckpoint(admin, processor);
      expect(checkpoint?.checkpoint).toEqual(await store.headCheckpoint());
      expect(checkpoint?.eventsProcessed).toBe(BigInt(events.length));
    });

    it('two instances, one processor: one active; when the active instance loses its database connection for good (process killed), the standby takes over within the lease', async () => {
      const processor = new TestProjection('takeover-test', 1, 'proj_takeover_test', 'takeover-');
      await processor.createTable(admin);
      const leaseMs = 1_500;
      const a = instance(processor, 'proc-a', { leaseMs });
      const b = instance(processor, 'proc-b', { leaseMs });
      a.runner.start();
      await waitFor(() => a.runner.status().state === 'active', 'a active');
      b.runner.start();
      await waitFor(() => b.runner.status().state === 'standby', 'b standby');
      const first = await append('takeover-', 12);
      await waitFor(async () => (await processor.counts(admin)).size === first.length, 'a projects');
      expect(b.runner.status().eventsProcessed).toBe(0);

      // Kill: every connection of a goes away and it never renews again.
      const gone = a.runner.stop({ releaseLease: false });
      await a.pool.close().catch(() => undefined);
      await gone;
      const killedAt = Date.now();
      await waitFor(() => b.runner.status().state === 'active', 'b to take over', 10_000, 10);
      expect(Date.now() - killedAt).toBeLessThanOrEqual(leaseMs + leaseMs / 3 + 500);
      const second = await append('takeover-', 8);
      await waitFor(async () => (await processor.counts(admin)).size === first.length + second.length, 'b projects');
      await b.runner.stop();
      await expectEachOnce(processor, [...first, ...second]);
      expect((await consumerLag(admin, store, processor)).owner).toBeNull(); // b released on graceful stop
    });
  });
});
