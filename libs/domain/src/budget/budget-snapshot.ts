import type { BudgetState, OpenReservation, PolicyState } from './budget.state.js';
import type { HourBucket, SpendHistory } from './spend-history.js';

/**
 * A budget state as plain JSON (bigints as decimal strings, Maps as arrays of entries), so a
 * handler can store it with the stream version it was taken at and load only the later events.
 */
export interface BudgetSnapshot {
  snapshotVersion: 1;
  rootAgentId: string;
  clockMs: number;
  policies: (Omit<PolicyState, 'limitNanos'> & { limitNanos: string })[];
  reservations: (Omit<OpenReservation, 'amountNanos' | 'agentPath' | 'policyIds'> & { amountNanos: string; agentPath: string[]; policyIds: string[] })[];
  resolved: [string, number][];
  held: [string, string][];
  spend: [string, { totalNanos: string; hours: [number, { nanos: string; minutes: [number, string][] }][] }][];
}

export function budgetSnapshot(state: BudgetState): BudgetSnapshot {
  return {
    snapshotVersion: 1,
    rootAgentId: state.rootAgentId,
    clockMs: state.clockMs,
    policies: [...state.policies.values()].map((policy) => ({ ...policy, limitNanos: policy.limitNanos.toString() })),
    reservations: [...state.reservations.values()].map((reservation) => ({
      ...reservation,
      agentPath: [...reservation.agentPath],
      policyIds: [...reservation.policyIds],
      amountNanos: reservation.amountNanos.toString(),
    })),
    resolved: [...state.resolved.entries()],
    held: [...state.held.entries()].map(([key, nanos]) => [key, nanos.toString()]),
    spend: [...state.spend.entries()].map(([key, history]) => [
      key,
      {
        totalNanos: history.totalNanos.toString(),
        hours: [...history.hours.entries()].map(([hour, bucket]) => [
          hour,
          { nanos: bucket.nanos.toString(), minutes: [...bucket.minutes.entries()].map(([minute, nanos]) => [minute, nanos.toString()]) },
        ]),
      },
    ]),
  };
}

/** Reads a snapshot back (as parsed from JSON). Throws on a snapshot version it does not know. */
export function budgetFromSnapshot(json: unknown): BudgetState {
  const snapshot = json as BudgetSnapshot;
  if (typeof snapshot !== 'object' || snapshot === null || snapshot.snapshotVersion !== 1) {
    throw new Error(`unsupported budget snapshot version ${String((snapshot as { snapshotVersion?: unknown } | null)?.snapshotVersion)}`);
  }
  return {
    rootAgentId: snapshot.rootAgentId,
    clockMs: snapshot.clockMs,
    policies: new Map(snapshot.policies.map((policy) => [policy.policyId, { ...policy, limitNanos: BigInt(policy.limitNanos) }])),
    reservations: new Map(
      snapshot.reservations.map((reservation) => [reservation.reservationId, { ...reservation, amountNanos: BigInt(reservation.amountNanos) }]),
    ),
    resolved: new Map(snapshot.resolved),
    held: new Map(snapshot.held.map(([key, nanos]) => [key, BigInt(nanos)])),
    spend: new Map(
      snapshot.spend.map(([key, history]): [string, SpendHistory] => [
        key,
        {
          totalNanos: BigInt(history.totalNanos),
          hours: new Map(
            history.hours.map(([hour, bucket]): [number, HourBucket] => [
              hour,
              { nanos: BigInt(bucket.nanos), minutes: new Map(bucket.minutes.map(([minute, nanos]) => [minute, BigInt(nanos)])) },
            ]),
          ),
        },
      ]),
    ),
  };
}
