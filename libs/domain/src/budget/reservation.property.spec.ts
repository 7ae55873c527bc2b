import { describe, expect, it } from '@jest/globals';
import { NotFoundError } from '../errors/not-found-error.js';
import { BudgetExceededError } from './budget-exceeded.error.js';
import { policyUsage } from './budget-usage.js';
import { evolveBudget } from './budget.evolve.js';
import type { BudgetState } from './budget.state.js';
import type { ReservationCommand } from './reservation.commands.js';
import type { SpendSettled } from './reservation.events.js';
import { decideReservation } from './reservation.decide.js';
import { CENT, UNIT, childChain, given, policyCreated, reserve, rootChain } from './budget.test-support.js';

/** A small seeded PRNG (mulberry32): the sequences are random but reproducible. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POLICIES = [
  { policyId: 'p-root-total', agentId: 'root', covers: ['root', 'child'] },
  { policyId: 'p-child-daily', agentId: 'child', covers: ['child'] },
  { policyId: 'p-root-rolling', agentId: 'root', covers: ['root', 'child'] },
];

describe('property: random reserve/settle/release/expire sequences', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: settled + held never exceeds a limit except by recorded overage', (seed) => {
    const random = prng(seed);
    let state: BudgetState = given(
      policyCreated('p-root-total', { timeWindow: 'total', limitNanos: 5n * UNIT }),
      policyCreated('p-child-daily', { agentId: 'child', limitNanos: UNIT }),
      policyCreated('p-root-rolling', { timeWindow: 'hourly', windowType: 'rolling', limitNanos: 2n * UNIT }),
    ).state;
    // Overage recorded per policy (settlements of reservations it covers), within the window that matters.
    const overages: { policyId: string; atMs: number; nanos: bigint }[] = [];
    const reservationTime = new Map<string, { agentId: string; atMs: number }>();
    let nowMs = Date.parse('2026-03-10T00:00:00Z');
    let admitted = 0;
    let denied = 0;

    for (let step = 0; step < 400; step++) {
      nowMs += Math.floor(random() * 90_000);
      const now = new Date(nowMs);
      const open = [...state.reservations.keys()];
      const pick = random();
      let command: ReservationCommand;
      if (pick < 0.5 || open.length === 0) {
        const id = `r${step}`;
        command = reserve(id, BigInt(Math.floor(random() * 30)) * CENT, now, { agentChain: random() < 0.6 ? childChain : rootChain, ttlMs: 1000 + Math.floor(random() * 300_000) });
      } else {
        const id = open[Math.floor(random() * open.length)];
        if (pick < 0.8) {
          command = { type: 'SettleSpend', reservationId: id, amountNanos: BigInt(Math.floor(random() * 40)) * CENT, usage: {}, pricebookVersion: 'pb', now };
        } else if (pick < 0.93) {
          command = { type: 'ReleaseReservation', reservationId: id, reason: 'upstream_error', now };
        } else {
          command = { type: 'ExpireReservations', now };
        }
      }
      const decision = decideReservation(state, command);
      if (decision instanceof BudgetExceededError) {
        denied++;
        continue;
      }
      if (!Array.isArray(decision)) throw decision;
      for (const event of decision) {
        if (event.type === 'SpendReserved') {
          admitted++;
          reservationTime.set(event.data.reservationId, { agentId: event.data.agentId, atMs: Date.parse(event.data.occurredAt) });
        }
        if (event.type === 'SpendSettled') recordOverage(event);
        state = evolveBudget(state, event);
      }
      // Replaying the same command now records nothing (exactly once): a reserve finds its hold
      // open; a settle or release finds none (the store answers whether it resolved before).
      const replay = decideReservation(state, command);
      if (command.type === 'ReserveSpend') expect(replay).toEqual([]);
      else if (command.type !== 'ExpireReservations') expect(replay).toBeInstanceOf(NotFoundError);

      for (const policy of POLICIES) {
        const usage = policyUsage(state, policy.policyId, now)!;
        const from = usage.windowStart === null ? Number.NEGATIVE_INFINITY : Date.parse(usage.windowStart);
        const overage = overages.filter((o) => o.policyId === policy.policyId && o.atMs >= from && o.atMs <= nowMs).reduce((sum, o) => sum + o.nanos, 0n);
        expect(usage.spentNanos + usage.heldNanos).toBeLessThanOrEqual(usage.limitNanos + overage);
      }
    }
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(denied).toBeGreaterThan(0);

    function recordOverage(event: SpendSettled): void {
      const reserved = reservationTime.get(event.data.reservationId)!;
      for (const policy of POLICIES) {
        if (policy.covers.includes(reserved.agentId)) overages.push({ policyId: policy.policyId, atMs: reserved.atMs, nanos: BigInt(event.data.overageNanos) });
      }
    }
  });
});
