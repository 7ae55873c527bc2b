import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  BudgetExceededError,
  budgetSnapshot,
  budgetStreamId,
  evolveBudgetAll,
  initialAgentState,
  initialBudgetState,
  remainingFor,
  type BudgetEvent,
  type CreatePolicy,
  NotFoundError,
  type ReserveSpend,
} from '@caracal/domain';
import { IdempotencyConflictError, openPgliteClient, runMigrations, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { adminProjection } from '../read-models/admin.projection.js';
import { BUDGET_SNAPSHOT_TYPE } from './budget-state.loader.js';
import { BudgetStreamWriter } from './budget-stream.writer.js';
import { BudgetCommitGroup } from './budget-commit.group.js';
import { resolutionEventId } from './reservation-event-id.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

describe('budget stream writer (PGlite)', () => {
  let client: SqlClient;
  let store: SqlEventStore;
  const root = randomUUID();
  const writer = (rootAgentId: string = root) => new BudgetStreamWriter(rootAgentId, store, new BudgetCommitGroup(store), {
    onAppended: () => undefined,
  });
  const reserve = (rootAgentId: string = root, amountNanos = 1_000_000n): ReserveSpend => ({
    type: 'ReserveSpend', reservationId: randomUUID(), requestId: randomUUID(), agentId: rootAgentId,
    agentChain: [{ agentId: rootAgentId, status: 'active' }], resource: 'https://api.example.com/x', model: null,
    amountNanos, currency: 'USD', now: new Date(), ttlMs: 60_000,
  });
  const createPolicy = (rootAgentId: string, limit: string): CreatePolicy => ({
    type: 'CreatePolicy', policyId: randomUUID(), agentId: rootAgentId,
    agent: { ...initialAgentState, status: 'active', agentId: rootAgentId, rootAgentId, name: 'writer-test', owner: 'tests' },
    limit, currency: 'USD', timeWindow: 'daily', windowType: 'rolling', changeReason: 'test', actor: 'admin:test',
  });
  /** A budget stream with one policy, created by its own writer. */
  async function budgetWithLimit(limit: string): Promise<{ rootAgentId: string; policyId: string }> {
    const rootAgentId = randomUUID();
    const command = createPolicy(rootAgentId, limit);
    expect((await writer(rootAgentId).submit(command, { actor: 'admin:test' })).ok).toBe(true);
    return { rootAgentId, policyId: command.policyId };
  }

  beforeAll(async () => {
    client = await openPgliteClient({});
    await runMigrations(client);
    // As the gateway opens it: policy events are projected into the admin read model inline.
    store = new SqlEventStore(client, { inlineProjections: [adminProjection] });
  });
  afterAll(async () => {
    await client?.close();
  });

  it('group-commits queued decisions and snapshots a long stream; a new writer loads from the snapshot', async () => {
    const first = writer();
    const outcomes = await Promise.all(Array.from({ length: 1100 }, () => first.submit(reserve())));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const streamId = budgetStreamId(root);
    expect(await store.streamVersion(streamId)).toBe(1100n);
    // Far fewer transactions than decisions: group commit.
    const { rows } = await client.query<{ n: string }>('SELECT count(DISTINCT transaction_id)::text AS n FROM events WHERE stream_id = $1', [streamId]);
    expect(Number(rows[0].n)).toBeLessThan(100);

    // The snapshot is written in the background after the commit that crosses 1000 events.
    await waitFor(async () => (await store.loadSnapshot(streamId, BUDGET_SNAPSHOT_TYPE)) !== null, 'budget snapshot written');
    expect((await store.loadSnapshot(streamId, BUDGET_SNAPSHOT_TYPE))?.version).toBeGreaterThanOrEqual(1000n);

    const events = await store.readStream(streamId);
    const folded = evolveBudgetAll(initialBudgetState(root), events.map((e) => ({ type: e.type, schemaVersion: e.schemaVersion, data: e.data }) as unknown as BudgetEvent));
    const fromSnapshot = await writer().view();
    expect(budgetSnapshot(fromSnapshot)).toEqual(budgetSnapshot(folded));
  });

  it('reads the tail again for a view older than maxAgeMs: what another process appended shows', async () => {
    const { rootAgentId } = await budgetWithLimit('1.00');
    const here = writer(rootAgentId);
    const elsewhere = writer(rootAgentId);
    const chain = [{ agentId: rootAgentId, status: 'active' as const }];
    expect(remainingFor(await here.view(), chain, 'USD', new Date())).toBe(1_000_000_000n);
    expect((await elsewhere.submit(reserve(rootAgentId, 250_000_000n))).ok).toBe(true);

    // As this process last saw it, however old; with a bound on its age, read again.
    expect(remainingFor(await here.view({ maxAgeMs: 60_000 }), chain, 'USD', new Date())).toBe(1_000_000_000n);
    await waitFor(async () => remainingFor(await here.view({ maxAgeMs: 5 }), chain, 'USD', new Date()) === 750_000_000n, 'the view read again once older than 5 ms');

    // Far behind: loaded again from the snapshot the other writer took, to the same state as a fresh load.
    const holds = await Promise.all(Array.from({ length: 1100 }, () => elsewhere.submit(reserve(rootAgentId, 100_000n))));
    expect(holds.every((o) => o.ok)).toBe(true);
    const streamId = budgetStreamId(rootAgentId);
    await waitFor(async () => ((await store.loadSnapshot(streamId, BUDGET_SNAPSHOT_TYPE))?.version ?? 0n) >= 1000n, 'the other writer took a snapshot');
    const loadedFresh = JSON.stringify(budgetSnapshot(await writer(rootAgentId).view()));
    await waitFor(async () => JSON.stringify(budgetSnapshot(await here.view({ maxAgeMs: 5 }))) === loadedFresh, 'the view loaded again, as a fresh load');
    expect(remainingFor(await here.view(), chain, 'USD', new Date())).toBe(750_000_000n - 1100n * 100_000n);
  });

  it('decides a denial on the stream as it is now: a limit raised by another process admits at once', async () => {
    const { rootAgentId, policyId } = await budgetWithLimit('0.01');
    const here = writer(rootAgentId);
    const elsewhere = writer(rootAgentId); // another gateway process's writer of the same stream
    expect((await here.submit(reserve(rootAgentId, 10_000_000n))).ok).toBe(true);
    const exhausted = await here.submit(reserve(rootAgentId, 10_000_000n));
    expect(exhausted.ok).toBe(false);

    const raised = await elsewhere.submit({ type: 'ChangePolicy', policyId, limit: '1.00', changeReason: 'raised', actor: 'admin:test' }, { actor: 'admin:test' });
    expect(raised.ok).toBe(true);
    // This writer appended nothing since: only its read of the tail can tell it about the raise.
    const admitted = await here.submit(reserve(rootAgentId, 10_000_000n));
    expect(admitted).toMatchObject({ ok: true, events: [{ type: 'SpendReserved' }] });

    const lowered = await elsewhere.submit({ type: 'ChangePolicy', policyId, limit: '0.02', changeReason: 'lowered', actor: 'admin:test' }, { actor: 'admin:test' });
    expect(lowered.ok).toBe(true);
    const denied = await here.submit(reserve(rootAgentId, 10_000_000n));
    expect(denied.ok).toBe(false);
    expect(!denied.ok && denied.error).toBeInstanceOf(BudgetExceededError);
    expect(!denied.ok && (denied.error as BudgetExceededError).details.limitNanos).toBe(20_000_000n);
  });

  it('reads the tail for a fresh view, and not for a plain one', async () => {
    const { rootAgentId, policyId } = await budgetWithLimit('0.01');
    const here = writer(rootAgentId);
    const chain = [{ agentId: rootAgentId, status: 'active' as const }];
    expect(remainingFor(await here.view(), chain, 'USD', new Date())).toBe(10_000_000n);
    expect((await writer(rootAgentId).submit({ type: 'ChangePolicy', policyId, limit: '0.05', changeReason: 'raised', actor: 'admin:test' }, { actor: 'admin:test' })).ok).toBe(true);
    expect(remainingFor(await here.view(), chain, 'USD', new Date())).toBe(10_000_000n);
    expect(remainingFor(await here.view({ fresh: true }), chain, 'USD', new Date())).toBe(50_000_000n);
  });

  it('puts a policy change into the group commit of a burst, recorded with its actor and projected', async () => {
    const { rootAgentId, policyId } = await budgetWithLimit('100.00');
    const here = writer(rootAgentId);
    const burst = Array.from({ length: 300 }, () => here.submit(reserve(rootAgentId, 1_000_000n)));
    const change = here.submit({ type: 'ChangePolicy', policyId, limit: '0.10', changeReason: 'lowered mid-burst', actor: 'admin:alice' }, { actor: 'admin:alice', correlationId: 'corr-1' });
    const later = Array.from({ length: 200 }, () => here.submit(reserve(rootAgentId, 1_000_000n)));
    const [burstOutcomes, changed, laterOutcomes] = await Promise.all([Promise.all(burst), change, Promise.all(later)]);
    expect(burstOutcomes.every((o) => o.ok)).toBe(true);
    expect(changed.ok).toBe(true);
    // 0.10 is already overspent by the 300 holds of 0.001 before it: everything after is denied.
    expect(laterOutcomes.filter((o) => o.ok)).toEqual([]);

    const events = await store.readStream(budgetStreamId(rootAgentId));
    const changeEvent = events.find((e) => e.type === 'BudgetPolicyChanged');
    expect(changeEvent?.metadata).toEqual({ actor: 'admin:alice', correlationId: 'corr-1' });
    expect(events.filter((e) => e.type === 'SpendReserved').every((e) => e.metadata.actor === 'gateway')).toBe(true);
    const { rows } = await client.query<{ limit_nanos: string; version: number }>('SELECT limit_nanos::text, version FROM policies WHERE policy_id = $1', [policyId]);
    expect(rows).toEqual([{ limit_nanos: '100000000', version: 2 }]);
  });

  it('resolves a reservation once in the store: a second resolution by any writer is refused by its event id', async () => {
    const { rootAgentId } = await budgetWithLimit('1.00');
    const hold = reserve(rootAgentId, 10_000_000n);
    expect((await writer(rootAgentId).submit(hold)).ok).toBe(true);
    const settle = { type: 'SettleSpend' as const, reservationId: hold.reservationId, amountNanos: 5_000_000n, usage: {}, pricebookVersion: 'pb', now: new Date() };
    expect(await writer(rootAgentId).submit(settle)).toMatchObject({ ok: true, events: [{ type: 'SpendSettled' }] });
    // A fresh writer's state has no trace of it: the settle finds nothing open.
    const again = await writer(rootAgentId).submit(settle);
    expect(again.ok).toBe(false);
    expect(!again.ok && again.error).toBeInstanceOf(NotFoundError);

    const streamId = budgetStreamId(rootAgentId);
    const settled = (await store.readStream(streamId)).find((e) => e.type === 'SpendSettled');
    expect(settled?.eventId).toBe(resolutionEventId(hold.reservationId));
    // A release appended past the state (as a buggy or stale process might) writes nothing: alone
    // it is taken for a retry of the stored resolution, with other events it is refused.
    const release = { eventId: resolutionEventId(hold.reservationId), type: 'ReservationReleased', schemaVersion: 1, data: { reservationId: hold.reservationId }, metadata: {} };
    const other = { eventId: randomUUID(), type: 'SpendDenied', schemaVersion: 1, data: {}, metadata: {} };
    await expect(store.append(streamId, [other, release], { expected: 'any' })).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect((await store.append(streamId, [release], { expected: 'any' })).firstGlobalPosition).toBe(settled?.globalPosition);
    expect((await store.readStream(streamId)).filter((e) => e.data.reservationId === hold.reservationId).map((e) => e.type)).toEqual(['SpendReserved', 'SpendSettled']);
  });

  it('lets a settlement wait for the next hold and commits both in one transaction', async () => {
    const { rootAgentId } = await budgetWithLimit('1.00');
    const here = writer(rootAgentId);
    const first = reserve(rootAgentId, 10_000_000n);
    expect((await here.submit(first)).ok).toBe(true);
    const settled = here.submit({ type: 'SettleSpend', reservationId: first.reservationId, amountNanos: 1_000_000n, usage: {}, pricebookVersion: 'pb', now: new Date() });
    const next = here.submit(reserve(rootAgentId, 10_000_000n));
    expect((await Promise.all([settled, next])).map((o) => o.ok)).toEqual([true, true]);
    const { rows } = await client.query<{ event_type: string; transaction_id: string }>(
      'SELECT event_type, transaction_id::text FROM events WHERE stream_id = $1 AND event_type <> $2 ORDER BY global_position', [budgetStreamId(rootAgentId), 'BudgetPolicyCreated']);
    expect(rows.map((r) => r.event_type)).toEqual(['SpendReserved', 'SpendSettled', 'SpendReserved']);
    expect(rows[1].transaction_id).toBe(rows[2].transaction_id);
  });

  it('commits a lingering settlement on its own when no hold comes, and on flush', async () => {
    const { rootAgentId } = await budgetWithLimit('1.00');
    const here = writer(rootAgentId);
    const holds = [reserve(rootAgentId, 1_000_000n), reserve(rootAgentId, 1_000_000n)];
    for (const hold of holds) expect((await here.submit(hold)).ok).toBe(true);
    const settle = (reservationId: string) => ({ type: 'SettleSpend' as const, reservationId, amountNanos: 1_000_000n, usage: {}, pricebookVersion: 'pb', now: new Date() });
    expect((await here.submit(settle(holds[0].reservationId))).ok).toBe(true);
    void here.submit(settle(holds[1].reservationId));
    await here.flush();
    const settled = (await store.readStream(budgetStreamId(rootAgentId))).filter((e) => e.type === 'SpendSettled');
    expect(settled.map((e) => e.data.reservationId)).toEqual(holds.map((h) => h.reservationId));
  });

  it('two writers of one stream racing for it admit exactly the limit, each hold once, and then queue on its lock', async () => {
    const { rootAgentId } = await budgetWithLimit('0.30');
    const writers = [writer(rootAgentId), writer(rootAgentId)];
    const appends = jest.spyOn(store, 'appendLocked');
    const outcomes = await Promise.all(Array.from({ length: 400 }, (_, i) => writers[i % 2].submit(reserve(rootAgentId, 1_000_000n))));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(300);
    expect(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.error instanceof BudgetExceededError)).toBe(true);
    // The losers of the first race decided again under the stream's lock.
    expect(appends).toHaveBeenCalled();
    appends.mockRestore();
    const events = await store.readStream(budgetStreamId(rootAgentId));
    const holds = events.filter((e) => e.type === 'SpendReserved');
    expect(holds).toHaveLength(300);
    expect(new Set(holds.map((e) => e.data.reservationId)).size).toBe(300);
    // Whichever process committed last wrote the stream's open holds as they are.
    const { rows } = await client.query<{ n: number }>('SELECT open_holds AS n FROM budget_open_holds WHERE root_agent_id = $1', [rootAgentId]);
    expect(rows[0].n).toBe(300);
  });
});
