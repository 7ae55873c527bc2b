import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@caracal/test-support/wait-for.js';
import {
  START_OF_LOG,
  type NewEvent,
  type RecordedEvent,
  type SqlClient,
  type SqlEventStore,
} from '@caracal/event-store';
import { loadCheckpoint } from '../checkpoint-store.js';
import { consumerLag } from '../consumer-lag.js';
import { DlqStore } from '../dlq-store.js';
import { CheckpointConflictError, DlqEntryNotFoundError, LeaseLostError } from '../processing.errors.js';
import { ProcessorLease } from '../processor-lease.js';
import { ProcessorHost } from '../processor-host.js';
import { ProcessorRegistry } from '../processor-registry.js';
import { ProcessorRunner, type ProcessorRunnerOptions } from '../processor-runner.js';
import { resetProcessors } from '../reset.js';
import { advanceCheckpoint, ensureCheckpoint } from '../checkpoint-store.js';
import { TestProjection } from './test-projection.js';

export interface ProcessingHarness {
  open(): Promise<{ client: SqlClient; store: SqlEventStore }>;
  close(): Promise<void>;
}

const quiet = () => undefined;

/** The processor runtime's behaviour, run against PGlite and PostgreSQL alike. */
export function describeProcessingSuite(label: string, harness: ProcessingHarness): void {
  describe(`processor runtime (${label})`, () => {
    let client: SqlClient;
    let store: SqlEventStore;
    const runners: ProcessorRunner[] = [];
    let seq = 0;

    beforeAll(async () => {
      ({ client, store } = await harness.open());
    });
    afterAll(async () => {
      await Promise.all(runners.map((runner) => runner.stop()));
      await harness.close();
    });

    /** A fresh projection (own name, table, stream prefix) so tests sharing the log stay apart. */
    async function projection(version = 1, name?: string): Promise<TestProjection> {
      seq += 1;
      const id = `${Date.now().toString(36)}_${seq}`;
      const processor = new TestProjection(name ?? `test-${id}`, version, `proj_${id}_v${version}`, `s-${id}-`);
      await processor.createTable(client);
      return processor;
    }

    function runner(processor: TestProjection, options: Partial<ProcessorRunnerOptions> = {}): ProcessorRunner {
      const created = new ProcessorRunner({
        client,
        store,
        processor,
        pollMs: 100,
        leaseMs: 3_000,
        retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 40 },
        logger: quiet,
        ...options,
      });
      runners.push(created);
      return created;
    }

    async function append(
      processor: TestProjection,
      count: number,
      data: (i: number) => Record<string, unknown> = () => ({}),
      type: (i: number) => string = () => 'Tested',
    ) {
      const recorded: RecordedEvent[] = [];
      for (let i = 0; i < count; i += 1) {
        const event: NewEvent = { eventId: randomUUID(), type: type(i), schemaVersion: 1, data: data(i), metadata: {} };
        const streamId = `${processor.streamPrefix}${i % 3}`;
        await store.append(streamId, [event], { expected: 'any' });
        recorded.push((await store.readStream(streamId, { direction: 'backward', maxCount: 1 }))[0]);
      }
      return recorded;
    }

    async function expectEachOnce(processor: TestProjection, events: readonly RecordedEvent[]) {
      const counts = await processor.counts(client);
      expect(events.map((event) => counts.get(event.eventId) ?? 0)).toEqual(events.map(() => 1));
      expect(counts.size).toBe(events.length);
    }

    async function projectedAll(processor: TestProjection, events: readonly RecordedEvent[]): Promise<boolean> {
      const counts = await processor.counts(client);
      return events.every((event) => counts.has(event.eventId));
    }

    it('applies a batch and its checkpoint in one transaction: a throwing apply leaves no rows and no checkpoint move', async () => {
      const processor = await projection();
      const events = await append(processor, 5);
      processor.failEverything = true;
      const active = runner(processor, { retry: { maxAttempts: 1_000, initialDelayMs: 20, maxDelayMs: 20 } });
      active.start();
      await waitFor(() => processor.applyCalls >= 4, 'the batch and then single events to be attempted');
      expect((await processor.counts(client)).size).toBe(0);
      const stuck = await loadCheckpoint(client, processor);
      expect(stuck?.checkpoint).toEqual(START_OF_LOG);
      expect(stuck?.eventsProcessed).toBe(0n);
      await active.stop();
      expect(await new DlqStore(client, store, new ProcessorRegistry([processor])).size({ processor: processor.name })).toBe(0);

      processor.failEverything = false;
      active.start();
      await waitFor(() => projectedAll(processor, events), 'the fixed projection to catch up');
      await active.stop();
      await expectEachOnce(processor, events);
      const head = await store.headCheckpoint();
      const done = await loadCheckpoint(client, processor);
      expect(done?.checkpoint).toEqual(head);
      expect(processor.afterCommitted).toEqual(expect.arrayContaining(events.map((event) => event.eventId)));
    });

    it('catches up in batches, then projects a new event when NOTIFY wakes it (polling set to 10 minutes)', async () => {
      const processor = await projection();
      const backlog = await append(processor, 23);
      const live = runner(processor, { batchSize: 5, pollMs: 600_000 });
      live.start();
      await waitFor(() => projectedAll(processor, backlog), 'catch-up of the backlog', 20_000);
      await waitFor(() => live.status().state === 'active', 'the runner to be active');
      const [next] = await append(processor, 1);
      await waitFor(() => projectedAll(processor, [next]), 'the live event (only NOTIFY can wake it in time)', 10_000);
      await live.stop();
      await expectEachOnce(processor, [...backlog, next]);
      expect(live.status().state).toBe('stopped');
    });

    it('two runners of one processor: exactly one active; when the active one dies without releasing, the standby takes over within the lease', async () => {
      const processor = await projection();
      const leaseMs = 1_500;
      const first = runner(processor, { owner: 'instance-a', leaseMs });
      const second = runner(processor, { owner: 'instance-b', leaseMs });
      first.start();
      await waitFor(() => first.status().state === 'active', 'instance a to be active');
      second.start();
      await waitFor(() => second.status().state === 'standby', 'instance b to stand by');
      const before = await append(processor, 10);
      await waitFor(() => projectedAll(processor, before), 'projection by the active instance');
      expect([first.status().state, second.status().state]).toEqual(['active', 'standby']);
      expect(second.status().eventsProcessed).toBe(0);
      const lag = await consumerLag(client, store, processor);
      expect(lag.owner).toBe('instance-a');
      expect(lag.leaseActive).toBe(true);

      // Simulated crash: the loop and lease renewal stop, the lease row stays until it expires.
      await first.stop({ releaseLease: false });
      const died = Date.now();
      await waitFor(() => second.status().state === 'active', 'instance b to take over', 10_000, 10);
      const tookOverMs = Date.now() - died;
      expect(tookOverMs).toBeLessThanOrEqual(leaseMs + leaseMs / 3 + 500); // lease + one standby poll + slack
      const after = await append(processor, 5);
      await waitFor(() => projectedAll(processor, after), 'projection by the new active instance');
      await second.stop();
      await expectEachOnce(processor, [...before, ...after]);
    });

    it('a graceful stop releases the lease: the standby takes over at once', async () => {
      const processor = await projection();
      const first = runner(processor, { owner: 'graceful-a', leaseMs: 60_000 });
      const second = runner(processor, { owner: 'graceful-b', leaseMs: 60_000, pollMs: 50 });
      first.start();
      await waitFor(() => first.status().state === 'active', 'a active');
      second.start();
      await waitFor(() => second.status().state === 'standby', 'b standby');
      await first.stop();
      await waitFor(() => second.status().state === 'active', 'b active long before the 60 s lease ends', 5_000);
      await second.stop();
    });

    it('fences commits: an owner whose lease was taken over, or whose checkpoint moved, cannot commit', async () => {
      const processor = await projection();
      const key = { name: processor.name, version: processor.version };
      const stale = new ProcessorLease(client, key, 'stale-owner', 50);
      expect(await stale.tryAcquire()).toBe(true);
      const fresh = new ProcessorLease(client, key, 'fresh-owner', 60_000);
      expect(await fresh.tryAcquire()).toBe(false);
      await waitFor(() => fresh.tryAcquire(), 'the stale lease to expire and be taken over', 5_000, 20);
      expect(await stale.renew()).toBe(false);
      await expect(client.transaction((tx) => stale.fence(tx))).rejects.toBeInstanceOf(LeaseLostError);

      await ensureCheckpoint(client, key);
      const next = { transactionId: 1n, globalPosition: 1n };
      await client.transaction((tx) => advanceCheckpoint(tx, key, START_OF_LOG, next, 1));
      await expect(
        client.transaction((tx) => advanceCheckpoint(tx, key, START_OF_LOG, { transactionId: 1n, globalPosition: 2n }, 1)),
      ).rejects.toBeInstanceOf(CheckpointConflictError);
      expect((await loadCheckpoint(client, key))?.checkpoint).toEqual(next);
      await fresh.release();
    });

    it('parks a poison event in the DLQ after the retries, projects later events, and a retry after the fix projects it once', async () => {
      const processor = await projection();
      const registry = new ProcessorRegistry([processor]);
      const dlq = new DlqStore(client, store, registry);
      const events = await append(processor, 8, (i) => ({ poison: i === 3 || i === 6 }));
      const poison = events[3];
      const other = events[6];
      const healthy = events.filter((event) => event !== poison && event !== other);
      const started = new Date(Date.now() - 1_000);
      const active = runner(processor, { batchSize: 100, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 } });
      active.start();
      await waitFor(async () => (await dlq.size({ processor: processor.name })) === 2, 'two events parked');
      await waitFor(() => projectedAll(processor, healthy), 'the later events projected');
      await active.stop();
      expect(active.status().eventsParked).toBe(2);
      expect((await loadCheckpoint(client, processor))?.checkpoint).toEqual(await store.headCheckpoint());

      const [entry] = await dlq.get(poison.eventId);
      expect(entry).toMatchObject({
        processor: processor.name,
        version: 1,
        eventId: poison.eventId,
        globalPosition: poison.globalPosition,
        transactionId: poison.transactionId,
        streamId: poison.streamId,
        eventType: 'Tested',
        attempts: 3,
        status: 'parked',
      });
      expect(entry.error).toContain('poison event');
      expect(entry.firstFailedAt.getTime()).toBeLessThanOrEqual(entry.lastFailedAt.getTime());
      expect((await dlq.list({ processor: processor.name })).map((listed) => listed.eventId)).toEqual([
        poison.eventId,
        other.eventId,
      ]);
      expect(await dlq.list({ processor: processor.name, since: new Date(Date.now() + 60_000) })).toEqual([]);
      expect((await dlq.list({ processor: processor.name, since: started })).length).toBe(2);

      // Not fixed yet: the retry fails, the entry stays parked with one more attempt.
      const [failed] = await dlq.retry(poison.eventId);
      expect(failed).toMatchObject({ outcome: 'failed' });
      expect((await dlq.get(poison.eventId))[0]).toMatchObject({ status: 'parked', attempts: 4 });

      processor.fixed = true;
      const [retried] = await dlq.retry(poison.eventId);
      expect(retried.outcome).toBe('retried');
      expect((await dlq.get(poison.eventId))[0]).toMatchObject({ status: 'retried', attempts: 5 });
      await expect(dlq.retry(poison.eventId)).rejects.toBeInstanceOf(DlqEntryNotFoundError);
      expect(await dlq.discard(other.eventId)).toBe(1);
      expect((await dlq.get(other.eventId))[0].status).toBe('discarded');
      expect(await dlq.size({ processor: processor.name })).toBe(0);
      await expectEachOnce(processor, [...healthy, poison]);
    });

    it('rebuildTogether: one read for all processors up to the head, then the runners; a failing batch hands over to them (DLQ as usual)', async () => {
      const first = await projection();
      const second = await projection();
      const firstEvents = await append(first, 7);
      const secondEvents = await append(second, 4);
      const host = new ProcessorHost({
        client,
        store,
        registry: new ProcessorRegistry([first, second]),
        names: [first.name, second.name],
        logger: quiet,
        tuning: { pollMs: 100, leaseMs: 3_000, retry: { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 10 } },
        rebuildTogether: { batchSize: 3 },
      });
      host.start();
      const head = await store.headCheckpoint();
      await waitFor(() => host.status().every((status) => status.state === 'active'), 'the runners to take over');
      expect(host.rebuildTogetherResult()).toMatchObject({ reason: 'caught-up' });
      expect(host.rebuildTogetherResult()?.events).toBeGreaterThanOrEqual(firstEvents.length + secondEvents.length);
      await host.stop();
      await expectEachOnce(first, firstEvents);
      await expectEachOnce(second, secondEvents);
      for (const processor of [first, second]) {
        const stored = await loadCheckpoint(client, processor);
        expect(stored?.checkpoint).toEqual(head);
        expect(stored?.eventsProcessed).toBe(BigInt(host.rebuildTogetherResult()?.events ?? 0));
      }

      const third = await projection();
      const fourth = await projection();
      const thirdEvents = await append(third, 6, (i) => ({ poison: i === 2 }));
      const fourthEvents = await append(fourth, 3);
      const failing = new ProcessorHost({
        client,
        store,
        registry: new ProcessorRegistry([third, fourth]),
        names: [third.name, fourth.name],
        logger: quiet,
        tuning: { pollMs: 100, leaseMs: 3_000, retry: { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 10 } },
        rebuildTogether: true,
      });
      const dlq = new DlqStore(client, store, new ProcessorRegistry([third]));
      failing.start();
      await waitFor(async () => (await dlq.size({ processor: third.name })) === 1, 'the poison event parked by the runner');
      await waitFor(
        async () => (await projectedAll(third, thirdEvents.filter((_, i) => i !== 2))) && (await projectedAll(fourth, fourthEvents)),
        'both projections caught up',
      );
      expect(failing.rebuildTogetherResult()).toMatchObject({ reason: 'failed' });
      await failing.stop();
      await expectEachOnce(third, thirdEvents.filter((_, i) => i !== 2));
      await expectEachOnce(fourth, fourthEvents);
    });

    it('rebuildTogether after a reset: the members at the earliest checkpoint share the read, one ahead (the kept sealer) runs on its own at once', async () => {
      const ahead = await projection();
      const aheadEvents = await append(ahead, 3);
      const first = runner(ahead);
      first.start();
      await waitFor(() => projectedAll(ahead, aheadEvents), 'the one ahead caught up');
      await first.stop();
      const aheadCheckpoint = await loadCheckpoint(client, ahead);
      const left = await projection();
      const right = await projection();
      const leftEvents = await append(left, 4);
      const rightEvents = await append(right, 2);
      const host = new ProcessorHost({
        client,
        store,
        registry: new ProcessorRegistry([ahead, left, right]),
        names: [ahead.name, left.name, right.name],
        logger: quiet,
        tuning: { pollMs: 100, leaseMs: 3_000 },
        rebuildTogether: { batchSize: 3 },
      });
      host.start();
      await waitFor(() => host.status().every((status) => status.state === 'active'), 'the runners to take over');
      expect(host.rebuildTogetherResult()).toMatchObject({ reason: 'caught-up' });
      const moreAhead = await append(ahead, 2);
      await waitFor(() => projectedAll(ahead, [...aheadEvents, ...moreAhead]), 'the one ahead goes on');
      await host.stop();
      await expectEachOnce(ahead, [...aheadEvents, ...moreAhead]);
      await expectEachOnce(left, leftEvents);
      await expectEachOnce(right, rightEvents);
      // The one ahead was not rewound to the others' checkpoint.
      expect((await loadCheckpoint(client, ahead))!.eventsProcessed).toBeGreaterThan(aheadCheckpoint!.eventsProcessed);
    });

    it('reads only its event types: the others are passed (checkpoint at the head, counted), never applied; a poison one is parked', async () => {
      const processor = await projection();
      processor.eventTypes = ['Wanted'];
      const typeOf = (i: number) => (i % 3 === 0 ? 'Wanted' : 'Other');
      const events = await append(processor, 14, (i) => ({ poison: i === 6 }), typeOf);
      const wanted = events.filter((event) => event.type === 'Wanted');
      const poison = events[6];
      const dlq = new DlqStore(client, store, new ProcessorRegistry([processor]));
      const active = runner(processor, { batchSize: 4 });
      active.start();
      await waitFor(async () => (await dlq.size({ processor: processor.name })) === 1, 'the poison event parked');
      const head = await store.headCheckpoint();
      await waitFor(async () => (await loadCheckpoint(client, processor))?.checkpoint.globalPosition === head.globalPosition, 'the checkpoint at the head');
      await active.stop();
      await expectEachOnce(processor, wanted.filter((event) => event !== poison));
      expect([...processor.offeredTypes]).toEqual(['Wanted']);
      expect((await dlq.get(poison.eventId))[0]).toMatchObject({ eventType: 'Wanted', status: 'parked' });
      // Every event of the log was passed and counted once, also around the isolated poison event.
      expect((await loadCheckpoint(client, processor))?.eventsProcessed).toBe(await store.countEventsAfter(START_OF_LOG));

      // Together: one filtered read of the union of the members' types; each ignores the other's.
      const wants = await projection();
      const others = await projection();
      wants.eventTypes = ['Wanted'];
      others.eventTypes = ['Other'];
      const mixed = await append(wants, 9, () => ({}), typeOf);
      const forOthers = await append(others, 6, () => ({}), typeOf);
      const host = new ProcessorHost({
        client,
        store,
        registry: new ProcessorRegistry([wants, others]),
        names: [wants.name, others.name],
        logger: quiet,
        tuning: { pollMs: 100, leaseMs: 3_000 },
        rebuildTogether: { batchSize: 4 },
      });
      host.start();
      await waitFor(() => host.status().every((status) => status.state === 'active'), 'the runners to take over');
      await host.stop();
      expect(host.rebuildTogetherResult()).toMatchObject({ reason: 'caught-up' });
      await expectEachOnce(wants, mixed.filter((event) => event.type === 'Wanted'));
      await expectEachOnce(others, forOthers.filter((event) => event.type === 'Other'));
      expect([...wants.offeredTypes].sort()).toEqual(['Other', 'Wanted']);
    });

    it('retryAll re-drives every parked event of a processor in log order', async () => {
      const processor = await projection();
      const dlq = new DlqStore(client, store, new ProcessorRegistry([processor]));
      const events = await append(processor, 4, (i) => ({ poison: i % 2 === 0 }));
      const active = runner(processor);
      active.start();
      await waitFor(async () => (await dlq.size({ processor: processor.name })) === 2, 'two parked');
      await active.stop();
      processor.fixed = true;
      const outcomes = await dlq.retryAll(processor.name);
      expect(outcomes.map((outcome) => [outcome.entry.eventId, outcome.outcome])).toEqual([
        [events[0].eventId, 'retried'],
        [events[2].eventId, 'retried'],
      ]);
      await expectEachOnce(processor, events);
    });

    it('reports consumer lag: events behind, oldest unprocessed age, last checkpoint time, owner', async () => {
      const processor = await projection();
      await append(processor, 3);
      const fresh = await consumerLag(client, store, processor);
      expect(fresh.eventsBehind).toBe(await store.countEventsAfter(START_OF_LOG));
      expect(fresh.oldestUnprocessedAt).toBeInstanceOf(Date);
      expect(fresh.oldestUnprocessedAgeMs).toBeGreaterThanOrEqual(0);
      expect(fresh).toMatchObject({ lastCheckpointAt: null, owner: null, leaseActive: false, eventsProcessed: 0n });

      const active = runner(processor, { owner: 'lag-owner' });
      active.start();
      await waitFor(async () => (await consumerLag(client, store, processor)).eventsBehind === 0n, 'caught up');
      const caughtUp = await consumerLag(client, store, processor);
      expect(caughtUp).toMatchObject({ owner: 'lag-owner', leaseActive: true, oldestUnprocessedAt: null });
      expect(caughtUp.lastCheckpointAt).toBeInstanceOf(Date);
      expect(caughtUp.eventsProcessed).toBe(await store.countEventsAfter(START_OF_LOG));
      expect(caughtUp.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
      await active.stop();
    });

    it('a new version rebuilds from the start beside the old one, with its own table and checkpoint', async () => {
      const v1 = await projection(1);
      const events = await append(v1, 6);
      const one = runner(v1);
      one.start();
      await waitFor(() => projectedAll(v1, events), 'v1 caught up');
      const v2 = new TestProjection(v1.name, 2, `${v1.table.replace(/_v1$/, '')}_v2`, v1.streamPrefix);
      await v2.createTable(client);
      const two = runner(v2);
      two.start();
      await waitFor(() => projectedAll(v2, events), 'v2 rebuilt beside v1');
      expect([one.status().state, two.status().state]).toEqual(['active', 'active']);
      await Promise.all([one.stop(), two.stop()]);
      await expectEachOnce(v1, events);
      await expectEachOnce(v2, events);
      expect((await loadCheckpoint(client, v1))?.checkpoint).toEqual((await loadCheckpoint(client, v2))?.checkpoint);
    });

    it('reset empties read models, checkpoints, leases and the DLQ, leaves events and keptOnReset processors untouched, and the rebuild is identical', async () => {
      const processor = await projection();
      // A processor whose output is a record made to third parties (the merkle sealer's heads).
      const record = await projection();
      record.keptOnReset = true;
      const dlq = new DlqStore(client, store, new ProcessorRegistry([processor, record]));
      const events = await append(processor, 6, (i) => ({ poison: i === 2 }));
      await append(record, 3, (i) => ({ poison: i === 1 }));
      const active = runner(processor);
      const recording = runner(record);
      active.start();
      recording.start();
      await waitFor(async () => (await dlq.size({ processor: processor.name })) === 1, 'one parked');
      await waitFor(async () => (await dlq.size({ processor: record.name })) === 1, 'one parked by the kept processor');
      await waitFor(() => projectedAll(processor, events.filter((_, i) => i !== 2)), 'the rest projected');
      await active.stop({ releaseLease: false });
      await recording.stop({ releaseLease: false });
      const before = await client.query(`SELECT event_id, global_position FROM ${processor.table} ORDER BY id`);
      const recordBefore = await client.query(`SELECT * FROM ${record.table} ORDER BY id`);
      const recordCheckpoint = await loadCheckpoint(client, record);
      const recordLease = (await consumerLag(client, store, record)).owner;
      const logBefore = await store.readAll({ after: START_OF_LOG, maxCount: 100_000 });

      const result = await resetProcessors(client, [processor, record]);
      expect(result).toEqual({ tables: [processor.table], checkpoints: 1, leases: 1, dlqEntries: 1, kept: [record.name] });
      expect((await client.query(`SELECT * FROM ${record.table} ORDER BY id`)).rows).toEqual(recordBefore.rows);
      expect(recordBefore.rows).toHaveLength(2);
      expect(await loadCheckpoint(client, record)).toEqual(recordCheckpoint);
      expect((await consumerLag(client, store, record)).owner).toBe(recordLease);
      expect(recordLease).not.toBeNull();
      expect(await dlq.size({ processor: record.name })).toBe(1);
      expect((await processor.counts(client)).size).toBe(0);
      expect(await loadCheckpoint(client, processor)).toBeNull();
      expect(await dlq.list({ processor: processor.name, status: 'all' })).toEqual([]);
      expect((await consumerLag(client, store, processor)).owner).toBeNull();
      // Events untouched: the same log, event for event, still readable gap-free from the start.
      expect(await store.readAll({ after: START_OF_LOG, maxCount: 100_000 })).toEqual(logBefore);
      for (const event of events) expect(await store.readStream(event.streamId)).toContainEqual(event);

      const rebuilt = runner(processor);
      rebuilt.start();
      await waitFor(async () => (await dlq.size({ processor: processor.name })) === 1, 'parked again');
      await waitFor(() => projectedAll(processor, events.filter((_, i) => i !== 2)), 'rebuilt');
      await rebuilt.stop();
      const after = await client.query(`SELECT event_id, global_position FROM ${processor.table} ORDER BY id`);
      expect(after.rows).toEqual(before.rows);
    });
  });
}
