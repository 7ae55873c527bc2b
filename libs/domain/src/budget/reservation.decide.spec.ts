import { describe, expect, it } from '@jest/globals';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { UnexpectedEventError } from '../errors/unexpected-event-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { AgentSuspendedError } from './agent-suspended.error.js';
import { BudgetExceededError } from './budget-exceeded.error.js';
import { policyUsage, remainingFor } from './budget-usage.js';
import { evolveBudget } from './budget.evolve.js';
import type { BudgetState } from './budget.state.js';
import { decideReservation } from './reservation.decide.js';
import { CENT, UNIT, apply, childChain, events, given, policyChanged, policyCreated, reserve, rootChain } from './reservation.test-support.js';

const noon = new Date('2026-03-10T12:00:00Z');
const later = (ms: number) => new Date(noon.getTime() + ms);
const settle = (reservationId: string, amountNanos: bigint, now = later(1000)) =>
  ({ type: 'SettleSpend', reservationId, amountNanos, usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: null }, pricebookVersion: 'pb-1', now }) as const;
const release = (reservationId: string, now = later(1000)) => ({ type: 'ReleaseReservation', reservationId, reason: 'upstream_error', now }) as const;

function run(state: BudgetState, ...commands: Parameters<typeof decideReservation>[1][]): BudgetState {
  return commands.reduce((current, command) => apply(current, decideReservation(current, command)), state);
}

describe('ReserveSpend', () => {
  it('holds the amount against every applicable policy and records them', () => {
    const state = given(policyCreated('p-root'), policyCreated('p-child', { agentId: 'child', limitNanos: 50n * CENT }));
    expect(decideReservation(state, reserve('r1', 10n * CENT, noon, { agentChain: childChain }))).toEqual([
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
    let state = given(policyCreated('p1', { limitNanos: UNIT }));
    for (let i = 0; i < 100; i++) state = run(state, reserve(`r${i}`, CENT, noon));
    const refused = decideReservation(state, reserve('r100', CENT, noon));
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect((refused as BudgetExceededError).code).toBe('budget_exceeded');
    expect((refused as BudgetExceededError).details).toEqual({
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
    let state = given(policyCreated('p-root', { limitNanos: UNIT }), policyCreated('p-child', { agentId: 'child', limitNanos: UNIT }));
    state = run(state, reserve('r-root', 95n * CENT, noon));
    const refused = decideReservation(state, reserve('r-child', 10n * CENT, noon, { agentChain: childChain }));
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect((refused as BudgetExceededError).details.policyId).toBe('p-root');
    expect(policyUsage(state, 'p-child', noon)?.heldNanos).toBe(0n);
  });

  it("counts a child's spend against its parent's policies but not a sibling's", () => {
    let state = given(policyCreated('p-root', { limitNanos: UNIT }), policyCreated('p-sib', { agentId: 'sibling', limitNanos: UNIT }));
    state = run(state, reserve('r1', 40n * CENT, noon, { agentChain: childChain }), settle('r1', 30n * CENT));
    expect(policyUsage(state, 'p-root', later(2000))).toMatchObject({ spentNanos: 30n * CENT, heldNanos: 0n, remainingNanos: 70n * CENT });
    expect(policyUsage(state, 'p-sib', later(2000))).toMatchObject({ spentNanos: 0n, remainingNanos: UNIT });
  });

  it('refuses when the agent or any ancestor is suspended', () => {
    const state = given(policyCreated('p1'));
    const chain = [
      { agentId: 'root', status: 'suspended' as const },
      { agentId: 'child', status: 'active' as const },
    ];
    const refused = decideReservation(state, reserve('r1', CENT, noon, { agentChain: chain }));
    expect(refused).toBeInstanceOf(AgentSuspendedError);
    expect(refused).toMatchObject({ code: 'agent_suspended', agentId: 'root', requestingAgentId: 'child' });
  });

  it('refuses an agent of another delegation root, and an unregistered one', () => {
    const state = given();
    expect(decideReservation(state, reserve('r1', CENT, noon, { agentChain: [{ agentId: 'other', status: 'active' }] }))).toBeInstanceOf(ConflictError);
    expect(decideReservation(state, reserve('r1', CENT, noon, { agentChain: [{ agentId: 'root', status: 'unregistered' }] }))).toBeInstanceOf(NotFoundError);
  });

  it('ignores policies in other currencies', () => {
    const state = given(policyCreated('p-eur', { currency: 'EUR', limitNanos: 1n }));
    expect(events(decideReservation(state, reserve('r1', UNIT, noon)))[0].data).toMatchObject({ policyIds: [] });
  });

  it('admits an agent with no applicable policy, recording the reservation with no policy', () => {
    const state = run(given(), reserve('r1', 1000n * UNIT, noon));
    expect(state.reservations.get('r1')?.policyIds).toEqual([]);
    expect(remainingFor(state, rootChain, 'USD', noon)).toBeNull();
  });

  it('is idempotent on the reservation id while the hold is open', () => {
    const state = run(given(policyCreated('p1')), reserve('r1', CENT, noon));
    expect(decideReservation(state, reserve('r1', CENT, noon))).toEqual([]);
  });

  it('keeps no trace of a resolved reservation: the state holds only what is open', () => {
    const state = run(given(policyCreated('p1')), reserve('r1', CENT, noon), settle('r1', CENT));
    expect(state.reservations.size).toBe(0);
    expect(Object.keys(state).sort()).toEqual(['clockMs', 'held', 'policies', 'reservations', 'rootAgentId', 'spend']);
  });

  it('validates the command, reporting every issue', () => {
    const refused = decideReservation(given(), reserve('', -1n, new Date(Number.NaN), { currency: 'usd', ttlMs: 0, agentId: 'x' }));
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues.map((issue) => issue.field).sort()).toEqual(['agentChain', 'amountNanos', 'currency', 'now', 'reservationId', 'ttlMs']);
  });

  it('applies a changed limit to the spend already in the window, from the next decision', () => {
    let state = run(given(policyCreated('p1', { limitNanos: UNIT })), reserve('r1', 60n * CENT, noon), settle('r1', 60n * CENT));
    state = evolveBudget(state, policyChanged('p1', 2, { limitNanos: 50n * CENT }));
    expect(decideReservation(state, reserve('r2', 1n, later(2000)))).toBeInstanceOf(BudgetExceededError);
  });

  it('a policy created later sees the spend already recorded in its window (for the agents it covers)', () => {
    let state = run(given(), reserve('r1', 80n * CENT, noon, { agentChain: childChain }), settle('r1', 80n * CENT));
    state = evolveBudget(state, policyCreated('p-new', { limitNanos: UNIT }));
    expect(policyUsage(state, 'p-new', later(2000))).toMatchObject({ spentNanos: 80n * CENT, remainingNanos: 20n * CENT });
    expect(decideReservation(state, reserve('r2', 30n * CENT, later(2000)))).toBeInstanceOf(BudgetExceededError);
  });
});

describe('SettleSpend', () => {
  it('charges the actual cost and frees the hold', () => {
    const state = run(given(policyCreated('p1')), reserve('r1', 10n * CENT, noon));
    const settled = events(decideReservation(state, settle('r1', 7n * CENT)));
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
    expect(policyUsage(settled.reduce(evolveBudget, state), 'p1', later(2000))).toMatchObject({ spentNanos: 7n * CENT, heldNanos: 0n, remainingNanos: 93n * CENT });
  });

  it('records an overage, which counts as spent and blocks admissions until the window allows', () => {
    let state = run(given(policyCreated('p1', { limitNanos: UNIT })), reserve('r1', 90n * CENT, noon));
    const settled = events(decideReservation(state, settle('r1', 120n * CENT)));
    expect(settled[0].data).toMatchObject({ amountNanos: '1200000000', heldNanos: '900000000', overageNanos: '300000000' });
    state = settled.reduce(evolveBudget, state);
    expect(policyUsage(state, 'p1', later(2000))?.remainingNanos).toBe(-20n * CENT);
    expect(remainingFor(state, rootChain, 'USD', later(2000))).toBe(0n);
    expect(decideReservation(state, reserve('r2', 1n, later(2000)))).toBeInstanceOf(BudgetExceededError);
    // Next UTC day: a new window.
    expect(events(decideReservation(state, reserve('r2', 1n, new Date('2026-03-11T00:00:00Z'))))).toHaveLength(1);
  });

  it('resolves exactly once: a second settle, a release or an expiry after it record nothing', () => {
    const state = run(given(policyCreated('p1')), reserve('r1', CENT, noon), settle('r1', CENT));
    expect(decideReservation(state, settle('r1', CENT))).toBeInstanceOf(NotFoundError);
    expect(decideReservation(state, release('r1'))).toBeInstanceOf(NotFoundError);
    expect(decideReservation(state, { type: 'ExpireReservations', now: later(3_600_000) })).toEqual([]);
  });

  it('refuses an unknown reservation', () => {
    expect(decideReservation(given(), settle('ghost', CENT))).toBeInstanceOf(NotFoundError);
    expect(decideReservation(given(), release('ghost'))).toBeInstanceOf(NotFoundError);
  });

  it('refuses usage that is not integers or null', () => {
    const state = run(given(), reserve('r1', CENT, noon));
    const refused = decideReservation(state, { ...settle('r1', CENT), usage: { inputTokens: 1.5, 'bad key': 1 } });
    expect((refused as ValidationError).issues.map((issue) => issue.field)).toEqual(['usage.inputTokens', 'usage.bad key']);
  });

  it('evolve refuses a second resolution of the same reservation (corrupted stream)', () => {
    const state = run(given(), reserve('r1', CENT, noon));
    const settled = events(decideReservation(state, settle('r1', CENT)));
    expect(() => [...settled, ...settled].reduce(evolveBudget, state)).toThrow(UnexpectedEventError);
  });
});

describe('ReleaseReservation', () => {
  it('frees the hold and charges nothing', () => {
    const state = run(given(policyCreated('p1')), reserve('r1', 50n * CENT, noon), release('r1'));
    expect(policyUsage(state, 'p1', later(2000))).toMatchObject({ spentNanos: 0n, heldNanos: 0n, remainingNanos: UNIT });
    expect(decideReservation(state, release('r1'))).toBeInstanceOf(NotFoundError);
    expect(decideReservation(state, settle('r1', CENT))).toBeInstanceOf(NotFoundError);
  });
});

describe('ExpireReservations', () => {
  it('expires every open hold whose expiresAt ≤ now, charging the held amount (fail closed)', () => {
    const state = run(
      given(policyCreated('p1')),
      reserve('r-short', 10n * CENT, noon, { ttlMs: 1_000 }),
      reserve('r-long', 20n * CENT, noon, { ttlMs: 120_000 }),
      reserve('r-settled', 5n * CENT, noon, { ttlMs: 1_000 }),
      settle('r-settled', 5n * CENT, later(500)),
    );
    const expired = events(decideReservation(state, { type: 'ExpireReservations', now: later(60_000) }));
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
    const after = expired.reduce(evolveBudget, state);
    expect(policyUsage(after, 'p1', later(60_000))).toMatchObject({ spentNanos: 15n * CENT, heldNanos: 20n * CENT });
    expect(decideReservation(after, { type: 'ExpireReservations', now: later(60_000) })).toEqual([]);
    expect(decideReservation(after, settle('r-short', CENT))).toBeInstanceOf(NotFoundError);
  });
});

describe('windows and attribution', () => {
  it('attributes a charge to the reservation time, so a hold and its settlement share a window', () => {
    const beforeMidnight = new Date('2026-03-10T23:59:50Z');
    const afterMidnight = new Date('2026-03-11T00:00:10Z');
    const state = run(given(policyCreated('p1')), reserve('r1', 50n * CENT, beforeMidnight), settle('r1', 50n * CENT, afterMidnight));
    expect(policyUsage(state, 'p1', afterMidnight)?.spentNanos).toBe(0n);
    expect(policyUsage(state, 'p1', beforeMidnight)?.spentNanos).toBe(50n * CENT);
  });

  it('an open hold counts in the current window even after its reservation window ended', () => {
    const state = run(given(policyCreated('p1')), reserve('r1', 50n * CENT, new Date('2026-03-10T23:59:50Z')));
    expect(policyUsage(state, 'p1', new Date('2026-03-11T00:00:10Z'))?.heldNanos).toBe(50n * CENT);
  });

  it('given America/New_York calendar days across spring-forward, spend resets at local midnight', () => {
    const ny = given(policyCreated('p1', { timezone: 'America/New_York' }));
    // 23:30 EST on 7 March and 00:30 EST on 8 March: 1 hour apart, different local days.
    const state = run(ny, reserve('r1', 60n * CENT, new Date('2026-03-08T04:30:00Z')), settle('r1', 60n * CENT, new Date('2026-03-08T04:31:00Z')));
    expect(decideReservation(state, reserve('r2', 60n * CENT, new Date('2026-03-08T04:59:00Z')))).toBeInstanceOf(BudgetExceededError);
    expect(events(decideReservation(state, reserve('r2', 60n * CENT, new Date('2026-03-08T05:00:00Z'))))).toHaveLength(1);
    // The 23-hour day ends at 04:00Z on 9 March (00:00 EDT).
    const nextDay = run(state, reserve('r3', 90n * CENT, new Date('2026-03-08T05:00:00Z')), settle('r3', 90n * CENT, new Date('2026-03-08T05:01:00Z')));
    expect(decideReservation(nextDay, reserve('r4', 20n * CENT, new Date('2026-03-09T03:59:00Z')))).toBeInstanceOf(BudgetExceededError);
    expect(events(decideReservation(nextDay, reserve('r4', 20n * CENT, new Date('2026-03-09T04:00:00Z'))))).toHaveLength(1);
  });

  it('a rolling hourly window lets spend age out after an hour (to the minute)', () => {
    const state = run(given(policyCreated('p1', { timeWindow: 'hourly', windowType: 'rolling' })), reserve('r1', 80n * CENT, noon), settle('r1', 80n * CENT));
    expect(decideReservation(state, reserve('r2', 30n * CENT, later(59 * 60_000)))).toBeInstanceOf(BudgetExceededError);
    expect(decideReservation(state, reserve('r2', 30n * CENT, later(60 * 60_000)))).toBeInstanceOf(BudgetExceededError);
    expect(events(decideReservation(state, reserve('r2', 30n * CENT, later(61 * 60_000))))).toHaveLength(1);
  });

  it('a total window counts all spend ever, beyond the retention of minute history', () => {
    let state = run(given(policyCreated('p1', { timeWindow: 'total' })), reserve('r1', 70n * CENT, noon), settle('r1', 70n * CENT));
    const farLater = later(90 * 86_400_000);
    state = run(state, reserve('r2', 10n * CENT, farLater), settle('r2', 10n * CENT, farLater));
    expect(policyUsage(state, 'p1', farLater)).toMatchObject({ spentNanos: 80n * CENT, windowStart: null, windowEnd: null });
  });
});
