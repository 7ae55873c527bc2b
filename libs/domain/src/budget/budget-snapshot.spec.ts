import { describe, expect, it } from '@jest/globals';
import { budgetFromSnapshot, budgetSnapshot } from './budget-snapshot.js';
import { policyUsage } from './budget-usage.js';
import { decideReservation } from './reservation.decide.js';
import { CENT, childChain, given, policyCreated, reserve } from './budget.test-support.js';

const noon = new Date('2026-03-10T12:00:00Z');

describe('budget snapshots', () => {
  const base = given(
    policyCreated('p-daily', { timezone: 'America/New_York' }),
    policyCreated('p-rolling', { agentId: 'child', timeWindow: 'hourly', windowType: 'rolling' }),
    policyCreated('p-total', { timeWindow: 'total', limitNanos: 1000n * CENT }),
  );
  let stream = base;
  for (const command of [
    reserve('r1', 10n * CENT, noon, { agentChain: childChain }),
    { type: 'SettleSpend' as const, reservationId: 'r1', amountNanos: 12n * CENT, usage: { inputTokens: 3 }, pricebookVersion: 'pb', now: new Date('2026-03-10T12:00:05Z') },
    reserve('r2', 7n * CENT, new Date('2026-03-10T12:10:00Z'), { agentChain: childChain }),
    reserve('r3', 1n * CENT, new Date('2026-03-10T12:11:00Z')),
    { type: 'ReleaseReservation' as const, reservationId: 'r3', reason: 'upstream_error', now: new Date('2026-03-10T12:11:01Z') },
  ]) {
    stream = stream.after(command);
  }
  const { state } = stream;

  it('round-trips through JSON: policies, open reservations, holds and spend histories', () => {
    const json = JSON.parse(JSON.stringify(budgetSnapshot(state)));
    const restored = budgetFromSnapshot(json);
    expect(restored).toEqual(state);
    expect(restored.reservations.get('r2')?.amountNanos).toBe(7n * CENT);
    const at = new Date('2026-03-10T12:30:00Z');
    for (const policyId of ['p-daily', 'p-rolling', 'p-total']) expect(policyUsage(restored, policyId, at)).toEqual(policyUsage(state, policyId, at));
  });

  it('keeps the stored form of spend: every day\'s charged quarter-hours as [epoch ms, nanos] pairs', () => {
    const days = budgetSnapshot(state).spend.flatMap(([, history]) => history.days);
    const quarters = days.flatMap(([day, bucket]) => bucket.quarters.map(([quarter, nanos]) => ({ day, quarter, nanos })));
    expect(quarters.length).toBeGreaterThan(0);
    for (const { day, quarter, nanos } of quarters) {
      expect((quarter - day) % (15 * 60_000)).toBe(0);
      expect(quarter - day).toBeLessThan(86_400_000);
      expect(nanos).not.toBe('0');
    }
    const dayNanos = days.map(([, bucket]) => BigInt(bucket.nanos));
    const quarterNanos = days.map(([, bucket]) => bucket.quarters.reduce((sum, [, nanos]) => sum + BigInt(nanos), 0n));
    expect(quarterNanos).toEqual(dayNanos);
  });

  it('a restored state decides exactly like the original', () => {
    const restored = budgetFromSnapshot(JSON.parse(JSON.stringify(budgetSnapshot(state))));
    const command = reserve('r4', 80n * CENT, new Date('2026-03-10T12:20:00Z'), { agentChain: childChain });
    expect(decideReservation(restored, command)).toEqual(decideReservation(state, command));
    expect(decideReservation(restored, reserve('r2', 7n * CENT, new Date('2026-03-10T12:10:00Z'), { agentChain: childChain }))).toEqual([]);
  });

  it('refuses a snapshot version it does not know', () => {
    expect(() => budgetFromSnapshot({ snapshotVersion: 1 })).toThrow(/snapshot version 1/);
  });
});
