import { describe, expect, it } from '@jest/globals';
import type { BudgetEvent } from '@caracal/domain';
import { newEventId } from '@caracal/event-store';
import { reservationEventId, resolutionEventId } from './reservation-event-id.js';

const event = (type: string, reservationId: string) => ({ type, schemaVersion: 1, data: { reservationId } }) as unknown as BudgetEvent;

describe('reservation event ids', () => {
  it('uses a time-ordered reservation id for its hold, and the same UUID marked version 8 for the one resolution', () => {
    const reservationId = newEventId();
    expect(reservationEventId(event('SpendReserved', reservationId))).toBe(reservationId);
    const resolved = resolutionEventId(reservationId);
    expect(resolved).not.toBe(reservationId);
    expect(resolved).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(resolved.slice(0, 13)).toBe(reservationId.slice(0, 13));
    for (const type of ['SpendSettled', 'ReservationReleased', 'ReservationExpired']) {
      expect(reservationEventId(event(type, reservationId))).toBe(resolved);
    }
  });

  it('derives name-based UUIDs for any other reservation id, the same every time', () => {
    const reserved = reservationEventId(event('SpendReserved', 'r-1'));
    expect(reserved).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(reservationEventId(event('SpendReserved', 'r-1'))).toBe(reserved);
    expect(resolutionEventId('r-1')).not.toBe(reserved);
    expect(resolutionEventId('r-1')).not.toBe(resolutionEventId('r-2'));
  });

  it('gives policy events no derived id', () => {
    expect(reservationEventId({ type: 'BudgetPolicyCreated', schemaVersion: 1, data: {} } as unknown as BudgetEvent)).toBeNull();
  });
});
