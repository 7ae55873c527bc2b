import { describe, expect, it } from '@jest/globals';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { UnexpectedEventError } from '../errors/unexpected-event-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { AgentSuspendedError } from './agent-suspended.error.js';
import { BudgetExceededError } from './budget-exceeded.error.js';
import { policyUsage, remainingFor } from './budget-usage.js';
import { CENT, UNIT, childChain, given, policyChanged, policyCreated, reserve, rootChain } from './budget.test-support.js';

const noon = new Date('2026-03-10T12:00:00Z');
const later = (ms: number) => new Date(noon.getTime() + ms);
const settle = (reservationId: string, amountNanos: bigint, now = later(1000)) =>
  ({ type: 'SettleSpend', reservationId, amountNanos, usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: null }, pricebookVersion: 'pb-1', now }) as const;
const release = (reservationId: string, now = later(1000)) => ({ type: 'ReleaseReservation', reservationId, reason: 'upstream_error', now }) as const;

describe('ReserveSpend', () => {
  it('holds the amount against every applicable policy and records them', () => {
    const stream = given(policyCreated('p-root'), policyCreated('p-child', { agentId: 'child', limitNanos: 50n * CENT }));
    stream.when(reserve('r1', 10n * CENT, noon, { agentChain: childChain })).then([
      {
        type: 'SpendReserved',
        schemaVersion: 1,
        data: {
          reservationId: 'r1',
          agentId: 'child',
          agentPath: ['root', 'child'],
          requestId: 'req-r1',
          resource: 'openai/gpt-4o-mini',
          model: 'gpt-4o-mini',
          amountNanos: '100000000',
          currency: 'USD',
          policyIds: ['p-root', 'p-child'],
          occurredAt: '2026-03-10T12:00:00.000Z',
          expiresAt: '2026-03-10T12:01:00.000Z',
        },
      },
    ]);
  });

  it('admits up to the limit exactly, then refuses with the policy, window and amounts', () => {
    let stream = given(policyCreated('p1', { limitNanos: UNIT }));
    for (let i = 0; i < 100; i++) stream = stream.after(reserve(`r${i}`, CENT, noon));
    const refused = stream.when(reserve('r100', CENT, noon)).thenRefuses(BudgetExceededError);
    expect(refused.code).toBe('budget_exceeded');
    expect(refused.details).toEqual({
      policyId: 'p1',
      agentId: 'root',
      timeWindow: 'daily',
      windowType: 'calendar',
      windowStart: '2026-03-10T00:00:00.000Z',
      windowEnd: '2026-03-11T00:00:00.000Z',
      limitNanos: UNIT,
      spentNanos: 0n,
      heldNanos: UNIT,
      remainingNanos: 0n,
      requestedNanos: CENT,
    });
  });

  it("is all or nothing: a child's request within its own policy but over the parent's is refused, holding nothing", () => {
    let stream = given(policyCreated('p-root', { limitNanos: UNIT }), policyCreated('p-child', { agentId: 'child', limitNanos: UNIT }));
    stream = stream.after(reserve('r-root', 95n * CENT, noon));
    const refused = stream.when(reserve('r-child', 10n * CENT, noon, { agentChain: childChain })).thenRefuses(BudgetExceededError);
    expect(refused.details.policyId).toBe('p-root');
    expect(policyUsage(stream.state, 'p-child', noon)?.heldNanos).toBe(0n);
  });

  it("counts a child's spend against its parent's policies but not a sibling's", () => {
    let stream = given(policyCreated('p-root', { limitNanos: UNIT }), policyCreated('p-sib', { agentId: 'sibling', limitNanos: UNIT }));
    stream = stream.after(reserve('r1', 40n * CENT, noon, { agentChain: childChain })).after(settle('r1', 30n * CENT));
    expect(policyUsage(stream.state, 'p-root', later(2000))).toMatchObject({ spentNanos: 30n * CENT, heldNanos: 0n, remainingNanos: 70n * CENT });
    expect(policyUsage(stream.state, 'p-sib', later(2000))).toMatchObject({ spentNanos: 0n, remainingNanos: UNIT });
  });

  it('refuses when the agent or any ancestor is suspended', () => {
    const stream = given(policyCreated('p1'));
    const chain = [
      { agentId: 'root', status: 'suspended' as const },
      { agentId: 'child', status: 'active' as const },
    ];
    const refused = stream.when(reserve('r1', CENT, noon, { agentChain: chain })).thenRefuses(AgentSuspendedError);
    expect(refused).toMatchObject({ code: 'agent_suspended', agentId: 'root', requestingAgentId: 'child' });
  });

  it('refuses an agent of another delegation root, and an unregistered one', () => {
    const stream = given();
    stream.when(reserve('r1', CENT, noon, { agentChain: [{ agentId: 'other', status: 'active' }] })).thenRefuses(ConflictError);
    stream.when(reserve('r1', CENT, noon, { agentChain: [{ agentId: 'root', status: 'unregistered' }] })).thenRefuses(NotFoundError);
  });

  it('ignores policies in other currencies', () => {
    const stream = given(policyCreated('p-eur', { currency: 'EUR', limitNanos: 1n }));
    expect(stream.when(reserve('r1', UNIT, noon)).events()[0].data).toMatchObject({ policyIds: [] });
  });

  it('admits an agent with no applicable policy, recording the reservation with no policy', () => {
    const stream = given().after(reserve('r1', 1000n * UNIT, noon));
    expect(stream.state.reservations.get('r1')?.policyIds).toEqual([]);
    expect(remainingFor(stream.state, rootChain, 'USD', noon)).toBeNull();
  });

  it('is idempotent on the reservation id while the hold is open', () => {
    const stream = given(policyCreated('p1')).after(reserve('r1', CENT, noon));
    stream.when(reserve('r1', CENT, noon)).thenNothingHappened();
  });

  it('keeps no trace of a resolved reservation: the state holds only what is open', () => {
    const stream = given(policyCreated('p1')).after(reserve('r1', CENT, noon)).after(settle('r1', CENT));
    expect(stream.state.reservations.size).toBe(0);
    expect(Object.keys(stream.state).sort()).toEqual(['clockMs', 'held', 'policies', 'reservations', 'rootAgentId', 'spend']);
  });

  it('validates the command, reporting every issue', () => {
    const refused = given().when(reserve('', -1n, new Date(Number.NaN), { currency: 'usd', ttlMs: 0, agentId: 'x' })).thenRefuses(ValidationError);
    expect(refused.issues.map((issue) => issue.field).sort()).toEqual(['agentChain', 'amountNanos', 'currency', 'now', 'reservationId', 'ttlMs']);
  });

  it('applies a changed limit to the spend already in the window, from the next decision', () => {
    let stream = given(policyCreated('p1', { limitNanos: UNIT })).after(reserve('r1', 60n * CENT, noon)).after(settle('r1', 60n * CENT));
    stream = stream.and(policyChanged('p1', 2, { limitNanos: 50n * CENT }));
    stream.when(reserve('r2', 1n, later(2000))).thenRefuses(BudgetExceededError);
  });

  it('a policy created later sees the spend already recorded in its window (for the agents it covers)', () => {
    let stream = given().after(reserve('r1', 80n * CENT, noon, { agentChain: childChain })).after(settle('r1', 80n * CENT));
    stream = stream.and(policyCreated('p-new', { limitNanos: UNIT }));
    expect(policyUsage(stream.state, 'p-new', later(2000))).toMatchObject({ spentNanos: 80n * CENT, remainingNanos: 20n * CENT });
    stream.when(reserve('r2', 30n * CENT, later(2000))).thenRefuses(BudgetExceededError);
  });
});

describe('SettleSpend', () => {
  it('charges the actual cost and frees the hold', () => {
    const stream = given(policyCreated('p1')).after(reserve('r1', 10n * CENT, noon));
    const settled = stream.when(settle('r1', 7n * CENT)).events();
    expect(settled).toEqual([
      {
        type: 'SpendSettled',
        schemaVersion: 1,
        data: {
          reservationId: 'r1',
          agentId: 'root',
          agentPath: ['root'],
          resource: 'openai/gpt-4o-mini',
          model: 'gpt-4o-mini',
          currency: 'USD',
          reservedAt: '2026-03-10T12:00:00.000Z',
          amountNanos: '70000000',
          heldNanos: '100000000',
          overageNanos: '0',
          usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: null },
          pricebookVersion: 'pb-1',
          occurredAt: '2026-03-10T12:00:01.000Z',
        },
      },
    ]);
    expect(policyUsage(stream.and(...settled).state, 'p1', later(2000))).toMatchObject({ spentNanos: 7n * CENT, heldNanos: 0n, remainingNanos: 93n * CENT });
  });

  it('records an overage, which counts as spent and blocks admissions until the window allows', () => {
    let stream = given(policyCreated('p1', { limitNanos: UNIT })).after(reserve('r1', 90n * CENT, noon));
    const settled = stream.when(settle('r1', 120n * CENT)).events();
    expect(settled[0].data).toMatchObject({ amountNanos: '1200000000', heldNanos: '900000000', overageNanos: '300000000' });
    stream = stream.and(...settled);
    expect(policyUsage(stream.state, 'p1', later(2000))?.remainingNanos).toBe(-20n * CENT);
    expect(remainingFor(stream.state, rootChain, 'USD', later(2000))).toBe(0n);
    stream.when(reserve('r2', 1n, later(2000))).thenRefuses(BudgetExceededError);
    // Next UTC day: a new window.
    expect(stream.when(reserve('r2', 1n, new Date('2026-03-11T00:00:00Z'))).events()).toHaveLength(1);
  });

  it('resolves exactly once: a second settle, a release or an expiry after it record nothing', () => {
    const stream = given(policyCreated('p1')).after(reserve('r1', CENT, noon)).after(settle('r1', CENT));
    stream.when(settle('r1', CENT)).thenRefuses(NotFoundError);
    stream.when(release('r1')).thenRefuses(NotFoundError);
    stream.when({ type: 'ExpireReservations', now: later(3_600_000) }).thenNothingHappened();
  });

  it('refuses an unknown reservation', () => {
    given().when(settle('ghost', CENT)).thenRefuses(NotFoundError);
    given().when(release('ghost')).thenRefuses(NotFoundError);
  });

  it('refuses usage that is not integers or null', () => {
    const stream = given().after(reserve('r1', CENT, noon));
    const refused = stream.when({ ...settle('r1', CENT), usage: { inputTokens: 1.5, 'bad key': 1 } }).thenRefuses(ValidationError);
    expect(refused.issues.map((issue) => issue.field)).toEqual(['usage.inputTokens', 'usage.bad key']);
  });

  it('evolve refuses a second resolution of the same reservation (corrupted stream)', () => {
    const stream = given().after(reserve('r1', CENT, noon));
    const settled = stream.when(settle('r1', CENT)).events();
    expect(() => stream.and(...settled, ...settled)).toThrow(UnexpectedEventError);
  });
});

describe('ReleaseReservation', () => {
  it('frees the hold and charges nothing', () => {
    const stream = given(policyCreated('p1')).after(reserve('r1', 50n * CENT, noon)).after(release('r1'));
    expect(policyUsage(stream.state, 'p1', later(2000))).toMatchObject({ spentNanos: 0n, heldNanos: 0n, remainingNanos: UNIT });
    stream.when(release('r1')).thenRefuses(NotFoundError);
    stream.when(settle('r1', CENT)).thenRefuses(NotFoundError);
  });
});

describe('ExpireReservations', () => {
  it('expires every open hold whose expiresAt ≤ now, charging the held amount (fail closed)', () => {
    const stream = given(policyCreated('p1')).after(reserve('r-short', 10n * CENT, noon, { ttlMs: 1_000 })).after(reserve('r-long', 20n * CENT, noon, { ttlMs: 120_000 })).after(reserve('r-settled', 5n * CENT, noon, { ttlMs: 1_000 })).after(settle('r-settled', 5n * CENT, later(500)));
    const expired = stream.when({ type: 'ExpireReservations', now: later(60_000) }).events();
    expect(expired).toEqual([
      {
        type: 'ReservationExpired',
        schemaVersion: 1,
        data: {
          reservationId: 'r-short', agentId: 'root', agentPath: ['root'], resource: 'openai/gpt-4o-mini', model: 'gpt-4o-mini', currency: 'USD',
          reservedAt: '2026-03-10T12:00:00.000Z', amountNanos: '100000000', occurredAt: '2026-03-10T12:01:00.000Z',
        },
      },
    ]);
    const after = stream.and(...expired);
    expect(policyUsage(after.state, 'p1', later(60_000))).toMatchObject({ spentNanos: 15n * CENT, heldNanos: 20n * CENT });
    after.when({ type: 'ExpireReservations', now: later(60_000) }).thenNothingHappened();
    after.when(settle('r-short', CENT)).thenRefuses(NotFoundError);
  });
});

describe('windows and attribution', () => {
  it('attributes a charge to the reservation time, so a hold and its settlement share a window', () => {
    const beforeMidnight = new Date('2026-03-10T23:59:50Z');
    const afterMidnight = new Date('2026-03-11T00:00:10Z');
    const stream = given(policyCreated('p1')).after(reserve('r1', 50n * CENT, beforeMidnight)).after(settle('r1', 50n * CENT, afterMidnight));
    expect(policyUsage(stream.state, 'p1', afterMidnight)?.spentNanos).toBe(0n);
    expect(policyUsage(stream.state, 'p1', beforeMidnight)?.spentNanos).toBe(50n * CENT);
  });

  it('an open hold counts in the current window even after its reservation window ended', () => {
    const stream = given(policyCreated('p1')).after(reserve('r1', 50n * CENT, new Date('2026-03-10T23:59:50Z')));
    expect(policyUsage(stream.state, 'p1', new Date('2026-03-11T00:00:10Z'))?.heldNanos).toBe(50n * CENT);
  });

  it('given America/New_York calendar days across spring-forward, spend resets at local midnight', () => {
    const ny = given(policyCreated('p1', { timezone: 'America/New_York' }));
    // 23:30 EST on 7 March and 00:30 EST on 8 March: 1 hour apart, different local days.
    const stream = ny.after(reserve('r1', 60n * CENT, new Date('2026-03-08T04:30:00Z'))).after(settle('r1', 60n * CENT, new Date('2026-03-08T04:31:00Z')));
    stream.when(reserve('r2', 60n * CENT, new Date('2026-03-08T04:59:00Z'))).thenRefuses(BudgetExceededError);
    expect(stream.when(reserve('r2', 60n * CENT, new Date('2026-03-08T05:00:00Z'))).events()).toHaveLength(1);
    // The 23-hour day ends at 04:00Z on 9 March (00:00 EDT).
    const nextDay = stream.after(reserve('r3', 90n * CENT, new Date('2026-03-08T05:00:00Z'))).after(settle('r3', 90n * CENT, new Date('2026-03-08T05:01:00Z')));
    nextDay.when(reserve('r4', 20n * CENT, new Date('2026-03-09T03:59:00Z'))).thenRefuses(BudgetExceededError);
    expect(nextDay.when(reserve('r4', 20n * CENT, new Date('2026-03-09T04:00:00Z'))).events()).toHaveLength(1);
  });

  it('a rolling hourly window lets spend age out after an hour (to the minute)', () => {
    const stream = given(policyCreated('p1', { timeWindow: 'hourly', windowType: 'rolling' })).after(reserve('r1', 80n * CENT, noon)).after(settle('r1', 80n * CENT));
    stream.when(reserve('r2', 30n * CENT, later(59 * 60_000))).thenRefuses(BudgetExceededError);
    stream.when(reserve('r2', 30n * CENT, later(60 * 60_000))).thenRefuses(BudgetExceededError);
    expect(stream.when(reserve('r2', 30n * CENT, later(61 * 60_000))).events()).toHaveLength(1);
  });

  it('a total window counts all spend ever, beyond the retention of minute history', () => {
    let stream = given(policyCreated('p1', { timeWindow: 'total' })).after(reserve('r1', 70n * CENT, noon)).after(settle('r1', 70n * CENT));
    const farLater = later(90 * 86_400_000);
    stream = stream.after(reserve('r2', 10n * CENT, farLater)).after(settle('r2', 10n * CENT, farLater));
    expect(policyUsage(stream.state, 'p1', farLater)).toMatchObject({ spentNanos: 80n * CENT, windowStart: null, windowEnd: null });
  });
});
