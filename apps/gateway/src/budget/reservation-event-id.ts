import { createHash } from 'node:crypto';
import type { BudgetEvent } from '@caracal/domain';
import { uuidText } from '@caracal/event-store';

// Our namespace for name-based UUIDs (RFC 9562 §5.5); any fixed UUID would do.
const NAMESPACE = Buffer.from('c2a7e5b0f1d84c6e9a3b57d0e4f1a2c3', 'hex');

/**
 * The event id of a reservation event, derived from the reservation id: one id for its
 * SpendReserved and one for whichever event resolves it (settled, released or expired). The
 * event store's unique event ids then make a second hold, or a second resolution, of one
 * reservation impossible, whichever process appends it; the budget state need not remember
 * resolved ids for that (docs/domain.md). Other budget events get a new id (null).
 *
 * The gateway's reservation ids are time-ordered UUIDs (v7), so the hold's event id is the
 * reservation id itself and its resolution's is the same UUID marked version 8: both stay
 * time-ordered for the event_id index (event-id.ts). Any other reservation id (a test's, a
 * client's) gets name-based UUIDs.
 */
export function reservationEventId(event: BudgetEvent): string | null {
  switch (event.type) {
    case 'SpendReserved':
      return UUID.test(event.data.reservationId) ? event.data.reservationId.toLowerCase() : nameBasedUuid(`reserved:${event.data.reservationId}`);
    case 'SpendSettled':
    case 'ReservationReleased':
    case 'ReservationExpired':
      return resolutionEventId(event.data.reservationId);
    default:
      return null;
  }
}

/** The id of the one event that may resolve a reservation: whether it is stored answers "already resolved?". */
export function resolutionEventId(reservationId: string): string {
  if (!UUID.test(reservationId)) return nameBasedUuid(`resolved:${reservationId}`);
  const id = reservationId.toLowerCase();
  return `${id.slice(0, 14)}8${id.slice(15)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A version 5 (SHA-1, name-based) UUID in our namespace. */
function nameBasedUuid(name: string): string {
  const bytes = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  return uuidText(bytes);
}
