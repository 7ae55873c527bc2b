// The projection behaviour every backend must show, run against PGlite and PostgreSQL (and
// Redis for the hot counters). Test code only.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { policyUsage, type ReservationExpired, type SpendReserved, type SpendSettled } from '@caracal/domain';
import { START_OF_LOG, type RecordedEvent, type SqlClient, type SqlEventStore } from '@caracal/event-store';
import { ledgerEntryId } from '../ledger-entry-id.js';
import { listLedgerEntries, spendingInWindow, LedgerQueryError, type LedgerEntry } from '../ledger.queries.js';
import type { Processor } from '../processor.js';
import { createProjections, PROJECTION_READ_MODEL_TABLES } from '../projections.js';
import { RedisSpendingCounters } from '../redis-spending-counters.js';
import { DuplicateChargeError, MalformedChargeError } from '../reservation-events.js';
import { allSpendingBuckets } from '../spending-buckets.read.js';
import { buildBudgetScenario, toNewEvents, toRecordedEvents, type BudgetScenario } from './budget-scenario.js';

export interface ProjectionSuiteSetup {
  open(): Promise<{ client: SqlClient; store: SqlEventStore }>;
  close(): Promise<void>;
}

const SETUP_TIMEOUT_MS = 120_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Applies events batch by batch, each batch in its own transaction, then afterCommit. */
export async function runProcessors(client: SqlClient, processors: readonly Processor[], events: readonly RecordedEvent[], batchSize: number): Promise<void> {
  for (const processor of processors) {
    for (let i = 0; i < events.length; i += batchSize) {
      const batch = events.slice(i, i + batchSize);
      await client.transaction((tx) => processor.apply(tx, batch));
      await processor.afterCommit?.(batch);
    }
  }
}

/** Every read-model row, as canonical JSON, sorted: equal dumps = equal read models. */
export async function dumpReadModels(client: SqlClient): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of PROJECTION_READ_MODEL_TABLES) {
    const { rows } = await client.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM ${table} t ORDER BY 1`);
    dump[table] = rows.map((r) => r.row);
  }
  return dump;
}

export async function resetReadModels(client: SqlClient): Promise<void> {
  await client.query(`TRUNCATE ${PROJECTION_READ_MODEL_TABLES.join(', ')}`);
}

/** The ledger entries the charges of these events must produce, in (occurredAt, entryId) order. */
function expectedEntries(events: readonly RecordedEvent[]): LedgerEntry[] {
  const holds = new Map<string, SpendReserved['data']>();
  const entries: LedgerEntry[] = [];
  for (const event of events) {
    if (event.type === 'SpendReserved') {
      const reserved = event.data as SpendReserved['data'];
      holds.set(reserved.reservationId, reserved);
    }
    if (event.type !== 'SpendSettled' && event.type !== 'ReservationExpired') continue;
    const data = event.data as unknown as Partial<SpendSettled['data']> & ReservationExpired['data'];
    const hold = holds.get(data.reservationId)!;
    const settled = event.type === 'SpendSettled';
    // From the hold itself, not from the settlement's own heldNanos/overageNanos.
    const amount = BigInt(data.amountNanos);
    const held = BigInt(hold.amountNanos);
    entries.push({
      entryId: ledgerEntryId(event.eventId),
      eventId: event.eventId,
      globalPosition: event.globalPosition,
      agentId: hold.agentId,
      agentPath: hold.agentPath,
      reservationId: hold.reservationId,
      resource: hold.resource,
      model: hold.model,
      usage: settled ? (data.usage ?? null) : null,
      amountNanos: amount,
      heldNanos: held,
      overageNanos: amount > held ? amount - held : 0n,
      currency: hold.currency,
      pricebookVersion: settled ? (data.pricebookVersion ?? null) : null,
      kind: settled ? 'settled' : 'expired',
      occurredAt: hold.occurredAt,
      recordedAt: event.recordedAt.toISOString(),
    });
  }
  return entries.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.entryId.localeCompare(b.entryId));
}

async function allPages(client: SqlClient, query: Parameters<typeof listLedgerEntries>[1]) {
  const entries: LedgerEntry[] = [];
  const totals = [];
  let cursor: string | null = null;
  do {
    const page = await listLedgerEntries(client, { ...query, cursor });
    entries.push(...page.entries);
    totals.push(page.totalsByCurrency);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { entries, totals };
}

export function describeProjections(name: string, setup: ProjectionSuiteSetup): void {
  describe(`projections: ${name}`, () => {
    let client: SqlClient;
    let store: SqlEventStore;
    let scenario: BudgetScenario;
    let events: RecordedEvent[];

    beforeAll(async () => {
      ({ client, store } = await setup.open());
      // Through the real store: appended in chunks, read back gap-free with readAll.
      // Recent: Redis expires counters by its own clock, 35 days after their bucket.
      scenario = buildBudgetScenario({ seed: 7, start: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 4 * 86_400_000) });
      const fresh = toNewEvents(scenario.events);
      for (let i = 0; i < fresh.length; i += 50) await store.append(scenario.streamId, fresh.slice(i, i + 50), { expected: 'any' });
      events = [];
      let after = START_OF_LOG;
      // The gap-free read holds events back while any older transaction in the cluster is open
      // (other test files share the server): keep reading until all of ours are visible.
      const deadline = Date.now() + 60_000;
      while (events.length < scenario.events.length && Date.now() < deadline) {
        const page = await store.readAll({ after, maxCount: 200 });
        if (page.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        events.push(...page.filter((event) => event.streamId === scenario.streamId));
        const last = page[page.length - 1];
        after = { transactionId: last.transactionId, globalPosition: last.globalPosition };
      }
      expect(events).toHaveLength(scenario.events.length);
    }, SETUP_TIMEOUT_MS);

    afterAll(async () => {
      await setup.close();
    }, SETUP_TIMEOUT_MS);

    beforeEach(async () => {
      await resetReadModels(client);
    });

    it('writes one ledger entry per charge, exactly, and one row per denial', async () => {
      await runProcessors(client, createProjections(), events, 100);
      const expected = expectedEntries(events);
      expect(expected.length).toBeGreaterThan(50);
      expect(expected.some((e) => e.kind === 'expired')).toBe(true);
      // Upstreams that reported more than the hold allowed: charged in full, the overage on the entry.
      expect(expected.filter((e) => e.overageNanos > 0n).length).toBeGreaterThan(0);
      expect(expected.every((e) => e.amountNanos === e.heldNanos + e.overageNanos || (e.overageNanos === 0n && e.amountNanos <= e.heldNanos))).toBe(true);
      const ids = Object.values(scenario.agents);
      const listed: LedgerEntry[] = [];
      for (const agentId of ids) listed.push(...(await allPages(client, { agentId, limit: 1000 })).entries);
      listed.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.entryId.localeCompare(b.entryId));
      expect(listed).toEqual(expected);

      const denials = events.filter((event) => event.type === 'SpendDenied');
      expect(denials.some((d) => d.data.reason === 'budget_exceeded')).toBe(true);
      const { rows } = await client.query<{ event_id: string; reason: string; policy_id: string | null }>(
        'SELECT event_id::text, reason, policy_id FROM ledger_denials ORDER BY global_position',
      );
      expect(rows).toEqual(denials.map((d) => ({ event_id: d.eventId, reason: d.data.reason, policy_id: d.data.policyId })));
    });

    it('re-applying any event, alone or in its batch, changes nothing', async () => {
      const processors = createProjections();
      await runProcessors(client, processors, events, 64);
      const before = await dumpReadModels(client);
      for (const event of events) await runProcessors(client, processors, [event], 1);
      expect(await dumpReadModels(client)).toEqual(before);
      await runProcessors(client, processors, events, 64);
      expect(await dumpReadModels(client)).toEqual(before);
    });

    it('is independent of batch boundaries, and a rebuild from scratch is row-for-row identical', async () => {
      await runProcessors(client, createProjections(), events, events.length);
      const whole = await dumpReadModels(client);
      await resetReadModels(client);
      await runProcessors(client, createProjections(), events, 1);
      expect(await dumpReadModels(client)).toEqual(whole);
      await resetReadModels(client);
      await runProcessors(client, createProjections(), events, 13);
      expect(await dumpReadModels(client)).toEqual(whole);
    });

    it("spending in calendar daily windows (UTC and Asia/Kolkata) equals the domain's policyUsage, to the nano", async () => {
      await runProcessors(client, createProjections(), events, 50);
      let compared = 0;
      let nonZero = 0;
      for (const policy of scenario.policies) {
        for (let now = scenario.startMs; now <= scenario.endMs; now += 3 * 60 * 60_000) {
          const usage = policyUsage(scenario.state, policy.policyId, new Date(now))!;
          const windowStart = new Date(usage.windowStart!);
          const windowEnd = new Date(usage.windowEnd!);
          if (policy.timezone === 'Asia/Kolkata') expect(windowStart.toISOString()).toMatch(/T18:30:00\.000Z$/);
          const spent = await spendingInWindow(client, { agentId: policy.agentId, currency: policy.currency, windowStart, windowEnd });
          expect({ policy: policy.policyId, now, spent: spent.amountNanos }).toEqual({ policy: policy.policyId, now, spent: usage.spentNanos });
          // The ledger's subtree totals over the same window agree (inclusive `to`).
          const ledger = await listLedgerEntries(client, { agentId: policy.agentId, subtree: true, from: windowStart, to: new Date(windowEnd.getTime() - 1), limit: 1 });
          const total = ledger.totalsByCurrency.find((t) => t.currency === policy.currency)?.amountNanos ?? 0n;
          expect(total).toBe(usage.spentNanos);
          compared++;
          if (usage.spentNanos > 0n) nonZero++;
        }
      }
      expect(compared).toBeGreaterThan(40);
      expect(nonZero).toBeGreaterThan(20);
    });

    it('paginates by keyset with totals per currency over the whole range, exact to the nano', async () => {
      await runProcessors(client, createProjections(), events, 100);
      const expected = expectedEntries(events).filter((e) => e.agentId === scenario.agents.child);
      const from = new Date(scenario.startMs + 6 * 60 * 60_000);
      const to = new Date(scenario.startMs + 54 * 60 * 60_000);
      const inRange = expected.filter((e) => Date.parse(e.occurredAt) >= from.getTime() && Date.parse(e.occurredAt) <= to.getTime());
      expect(inRange.length).toBeGreaterThan(7);
      const { entries, totals } = await allPages(client, { agentId: scenario.agents.child, from, to, limit: 3 });
      expect(entries).toEqual(inRange);
      const sums = new Map<string, bigint>();
      for (const e of inRange) sums.set(e.currency, (sums.get(e.currency) ?? 0n) + e.amountNanos);
      const want = [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amountNanos]) => ({
        currency,
        amountNanos,
        entries: inRange.filter((e) => e.currency === currency).length,
      }));
      for (const pageTotals of totals) expect(pageTotals).toEqual(want);

      await expect(listLedgerEntries(client, { agentId: 'x', cursor: 'bogus' })).rejects.toBeInstanceOf(LedgerQueryError);
      await expect(listLedgerEntries(client, { agentId: 'x', limit: 0 })).rejects.toBeInstanceOf(LedgerQueryError);
      await expect(
        spendingInWindow(client, { agentId: 'x', currency: 'USD', windowStart: new Date('2026-03-10T00:01:00Z'), windowEnd: null }),
      ).rejects.toBeInstanceOf(LedgerQueryError);
    });

    it('refuses a charge without its hold\'s facts, and writes nothing of the batch', async () => {
      const settled = events.find((e) => e.type === 'SpendSettled')!;
      const { agentPath: _path, reservedAt: _at, ...withoutHold } = settled.data as Record<string, unknown>;
      const malformed = toRecordedEvents(scenario.streamId, [{ type: 'SpendSettled', schemaVersion: 1, data: withoutHold } as never], 1_000_000n);
      const denial = toRecordedEvents(scenario.streamId, events.filter((e) => e.type === 'SpendDenied').slice(0, 1).map((e) => ({ type: e.type, schemaVersion: 1, data: e.data }) as never), 1_000_001n);
      for (const processor of createProjections()) {
        const refused = client.transaction((tx) => processor.apply(tx, [...denial, ...malformed]));
        await expect(refused).rejects.toBeInstanceOf(MalformedChargeError);
        await expect(refused).rejects.toMatchObject({ eventId: malformed[0].eventId, missingFields: ['agentPath', 'reservedAt'] });
      }
      const dump = await dumpReadModels(client);
      expect(Object.values(dump).flat()).toEqual([]);
      // A settlement without the hold amount it was charged against cannot show its overage.
      const { heldNanos: _held, ...withoutHeld } = settled.data as Record<string, unknown>;
      const noHeld = toRecordedEvents(scenario.streamId, [{ type: 'SpendSettled', schemaVersion: 1, data: { ...withoutHeld, overageNanos: -1 } } as never], 1_000_003n);
      for (const processor of createProjections()) {
        await expect(client.transaction((tx) => processor.apply(tx, noHeld))).rejects.toMatchObject({ eventId: noHeld[0].eventId, missingFields: ['heldNanos', 'overageNanos'] });
      }
    });

    it('refuses a second charge of a reservation by another event, in the same batch or a later one', async () => {
      const charge = events.find((e) => e.type === 'SpendSettled')!;
      const again = toRecordedEvents(scenario.streamId, [{ type: 'SpendSettled', schemaVersion: 1, data: charge.data } as never], 1_000_002n);
      for (const processor of createProjections()) {
        await expect(client.transaction((tx) => processor.apply(tx, [charge, ...again]))).rejects.toBeInstanceOf(DuplicateChargeError);
      }
      expect(Object.values(await dumpReadModels(client)).flat()).toEqual([]);

      await runProcessors(client, createProjections(), [charge], 1);
      const before = await dumpReadModels(client);
      for (const processor of createProjections()) {
        await expect(client.transaction((tx) => processor.apply(tx, again))).rejects.toMatchObject({
          name: 'DuplicateChargeError',
          duplicates: [{ eventId: again[0].eventId, reservationId: (charge.data as { reservationId: string }).reservationId, chargedBy: charge.eventId }],
        });
      }
      expect(await dumpReadModels(client)).toEqual(before);
    });

    describe('Redis hot counters', () => {
      let redis: Redis | null = null;
      let counters: RedisSpendingCounters;

      beforeAll(async () => {
        const candidate = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
        candidate.on('error', () => undefined);
        try {
          await candidate.connect();
          await candidate.ping();
          redis = candidate;
        } catch (error) {
          candidate.disconnect();
          if (process.env.CI === 'true') throw error;
          console.warn(`SKIPPED Redis counter tests: Redis is unreachable at ${REDIS_URL}`);
        }
      });

      beforeEach(() => {
        if (redis === null) return;
        // A prefix of this test's own, removed afterwards.
        counters = new RedisSpendingCounters(redis, { keyPrefix: `caracal-test:${randomUUID()}:` });
      });

      afterEach(async () => {
        if (redis !== null) await counters.clear();
      });

      afterAll(async () => {
        await redis?.quit();
      });

      async function expectCountersEqualFold(): Promise<void> {
        const fold = await allSpendingBuckets(client);
        expect(fold.length).toBeGreaterThan(20);
        const want = new Map(fold.map((b) => [counters.key(b.agentId, b.currency, b.bucketStart), b.amountNanos]));
        expect(await counters.readAll()).toEqual(want);
      }

      it('equal the PostgreSQL fold after applying, re-applying and a rebuild from scratch', async () => {
        if (redis === null) return;
        const processors = createProjections({ spending: { redis: { counters, sql: client } } });
        await runProcessors(client, processors, events, 40);
        await expectCountersEqualFold();

        for (const event of events.filter((e) => e.type === 'SpendSettled' || e.type === 'ReservationExpired')) {
          await runProcessors(client, processors, [event], 1);
        }
        await expectCountersEqualFold();

        await resetReadModels(client);
        await runProcessors(client, processors, events, 7);
        await expectCountersEqualFold();

        // A window read from Redis equals the one read from PostgreSQL.
        const policy = scenario.policies[1];
        const usage = policyUsage(scenario.state, policy.policyId, new Date(scenario.startMs + 30 * 60 * 60_000))!;
        const start = new Date(usage.windowStart!);
        const end = new Date(usage.windowEnd!);
        expect(await counters.spendingInWindow(policy.agentId, policy.currency, start, end)).toBe(usage.spentNanos);
      });

      it('reseed rewrites lost counters from the fold', async () => {
        if (redis === null) return;
        await runProcessors(client, createProjections(), events, 100);
        expect(await counters.readAll()).toEqual(new Map());
        expect(await counters.reseed(client)).toBeGreaterThan(20);
        await expectCountersEqualFold();
      });
    });
  });
}
