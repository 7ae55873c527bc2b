import { describe, expect, it } from '@jest/globals';
import { BudgetExceededError } from './budget-exceeded.error.js';
import { budgetSnapshot } from './budget-snapshot.js';
import { policyUsage } from './budget-usage.js';
import { decideBudgetBatch } from './budget.evolve.js';
import type { BudgetState } from './budget.state.js';
import type { ReservationCommand } from './reservation.commands.js';
import { decideReservation } from './reservation.decide.js';
import { CENT, UNIT, given, policyCreated, reserve } from './budget.test-support.js';

const noon = Date.parse('2026-03-10T12:00:00Z');

function settle(reservationId: string, amountNanos: bigint, atMs: number): ReservationCommand {
  return { type: 'SettleSpend', reservationId, amountNanos, usage: {}, pricebookVersion: 'pb', now: new Date(atMs) };
}

/** `requests` reserve+settle pairs spread evenly over one hour, decided in groups of 64. */
function traffic(requests: number): BudgetState {
  let { state } = given(
    policyCreated('p-daily', { limitNanos: 1_000_000n * UNIT }),
    policyCreated('p-rolling', { timeWindow: 'hourly', windowType: 'rolling', limitNanos: 1_000_000n * UNIT }),
  );
  const commands: ReservationCommand[] = [];
  for (let i = 0; i < requests; i++) {
    const atMs = noon + Math.floor((i * 3_600_000) / requests);
    commands.push(reserve(`r${i}`, CENT, new Date(atMs)), settle(`r${i}`, CENT, atMs + 1));
  }
  for (let i = 0; i < commands.length; i += 64) {
    state = decideBudgetBatch(state, commands.slice(i, i + 64), decideReservation).state;
  }
  return state;
}

describe('decideBudgetBatch', () => {
  it('decides each command against the state the earlier ones left, and leaves its input untouched', () => {
    const start = given(policyCreated('p1', { limitNanos: UNIT })).state;
    const { state, decisions } = decideBudgetBatch(start, [
      reserve('r1', 60n * CENT, new Date(noon)),
      reserve('r2', 60n * CENT, new Date(noon)),
      settle('r1', 10n * CENT, noon + 1000),
      reserve('r3', 60n * CENT, new Date(noon + 2000)),
    ], decideReservation);
    expect(decisions.map((d) => (Array.isArray(d) ? d.map((e) => e.type) : d.constructor.name))).toEqual([
      ['SpendReserved'], 'BudgetExceededError', ['SpendSettled'], ['SpendReserved'],
    ]);
    expect(decisions[1]).toBeInstanceOf(BudgetExceededError);
    expect(policyUsage(state, 'p1', new Date(noon + 3000))).toMatchObject({ spentNanos: 10n * CENT, heldNanos: 60n * CENT });
    expect(start.reservations.size).toBe(0);
    expect(start.spend.size).toBe(0);
  });
});

describe('budget state size', () => {
  it('follows the open holds and the time covered, not the number of requests', () => {
    const light = traffic(200);
    const heavy = traffic(20_000);
    expect(heavy.reservations.size).toBe(0);
    expect(policyUsage(heavy, 'p-daily', new Date(noon + 3_600_000))?.spentNanos).toBe(20_000n * CENT);
    const lightBytes = JSON.stringify(budgetSnapshot(light)).length;
    const heavyBytes = JSON.stringify(budgetSnapshot(heavy)).length;
    // The same buckets, with larger sums in them.
    expect(heavyBytes).toBeLessThan(lightBytes * 1.2);
  });
});
