import type { BudgetState, OpenReservation, PolicyState } from './budget.state.js';
import { QUARTERS_PER_DAY, type DayBucket, type SpendHistory } from './spend-history.js';
import { QUARTER_HOUR_MS } from './spend-window.js';

/**
 * A budget state as plain JSON (bigints as decimal strings, Maps as arrays of entries), so a
 * handler can store it with the stream version it was taken at and load only the later events.
 * Its size follows the policies, the open holds and the time spend covers (≤ 34 days of
 * quarter-hours per subtree), never the number of requests the budget has seen.
 */
export interface BudgetSnapshot {
  snapshotVersion: 2;
  rootAgentId: string;
  clockMs: number;
  policies: (Omit<PolicyState, 'limitNanos'> & { limitNanos: string })[];
  reservations: (Omit<OpenReservation, 'amountNanos' | 'agentPath' | 'policyIds'> & { amountNanos: string; agentPath: string[]; policyIds: string[] })[];
  held: [string, string][];
  spend: [string, { totalNanos: string; minutesFromMs: number; minutes: [number, string][]; days: [number, { nanos: string; quarters: [number, string][] }][] }][];
}

export function budgetSnapshot(state: BudgetState): BudgetSnapshot {
  return {
    snapshotVersion: 2,
    rootAgentId: state.rootAgentId,
    clockMs: state.clockMs,
    policies: [...state.policies.values()].map((policy) => ({ ...policy, limitNanos: policy.limitNanos.toString() })),
    reservations: [...state.reservations.values()].map((reservation) => ({
      ...reservation,
      agentPath: [...reservation.agentPath],
      policyIds: [...reservation.policyIds],
      amountNanos: reservation.amountNanos.toString(),
    })),
    held: [...state.held.entries()].map(([key, nanos]) => [key, nanos.toString()]),
    spend: [...state.spend.entries()].map(([key, history]) => [
      key,
      {
        totalNanos: history.totalNanos.toString(),
        minutesFromMs: history.minutesFromMs,
        minutes: [...history.minutes.entries()].map(([minute, nanos]) => [minute, nanos.toString()]),
        days: [...history.days.entries()].map(([day, bucket]) => [
          day,
          { nanos: bucket.nanos.toString(), quarters: chargedQuarters(day, bucket.quarters) },
        ]),
      },
    ]),
  };
}

/**
 * Reads a snapshot back (as parsed from JSON). Throws on a snapshot version it does not know
 * (version 1 carried resolved ids; its loader type, budget-v1, is no longer read).
 */
export function budgetFromSnapshot(json: unknown): BudgetState {
  const snapshot = json as BudgetSnapshot;
  if (typeof snapshot !== 'object' || snapshot === null || snapshot.snapshotVersion !== 2) {
    throw new Error(`unsupported budget snapshot version ${String((snapshot as { snapshotVersion?: unknown } | null)?.snapshotVersion)}`);
  }
  return {
    rootAgentId: snapshot.rootAgentId,
    clockMs: snapshot.clockMs,
    policies: new Map(snapshot.policies.map((policy) => [policy.policyId, { ...policy, limitNanos: BigInt(policy.limitNanos) }])),
    reservations: new Map(
      snapshot.reservations.map((reservation) => [reservation.reservationId, { ...reservation, amountNanos: BigInt(reservation.amountNanos) }]),
    ),
    held: new Map(snapshot.held.map(([key, nanos]) => [key, BigInt(nanos)])),
    spend: new Map(
      snapshot.spend.map(([key, history]): [string, SpendHistory] => [
        key,
        {
          totalNanos: BigInt(history.totalNanos),
          minutesFromMs: history.minutesFromMs,
          minutes: new Map(history.minutes.map(([minute, nanos]) => [minute, BigInt(nanos)])),
          days: new Map(
            history.days.map(([day, bucket]): [number, DayBucket] => [
              day,
              { nanos: BigInt(bucket.nanos), quarters: quartersOf(day, bucket.quarters) },
            ]),
          ),
        },
      ]),
    ),
  };
}

/** The day's charged quarter-hours as [the quarter's epoch ms, nanos]: the snapshot's form. */
function chargedQuarters(day: number, quarters: readonly bigint[]): [number, string][] {
  const charged: [number, string][] = [];
  quarters.forEach((nanos, slot) => {
    if (nanos !== 0n) charged.push([day + slot * QUARTER_HOUR_MS, nanos.toString()]);
  });
  return charged;
}

function quartersOf(day: number, charged: [number, string][]): bigint[] {
  const quarters = new Array<bigint>(QUARTERS_PER_DAY).fill(0n);
  for (const [quarter, nanos] of charged) quarters[(quarter - day) / QUARTER_HOUR_MS] = BigInt(nanos);
  return quarters;
}
