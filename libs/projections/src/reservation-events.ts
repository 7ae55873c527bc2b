import type {
  ReservationExpired,
  ReservationReleased,
  SpendDenied,
  SpendReserved,
  SpendSettled,
} from '../../domain/src/index.js';
import type { RecordedEvent } from '../../event-store/src/index.js';

/**
 * Narrowing of recorded events to the reservation events the projections read. Other event
 * types share the global log and are skipped. A reservation event with a schema version these
 * projections do not know is an error: skipping it would silently lose money, so the runner
 * retries it and parks it in the DLQ instead.
 */
export interface Recorded<E extends { data: unknown }> {
  event: RecordedEvent;
  data: E['data'];
}

export interface ReservationBatch {
  reserved: Recorded<SpendReserved>[];
  settled: Recorded<SpendSettled>[];
  expired: Recorded<ReservationExpired>[];
  released: Recorded<ReservationReleased>[];
  denied: Recorded<SpendDenied>[];
}

const KNOWN_VERSION = 1;

export function splitReservationEvents(events: readonly RecordedEvent[]): ReservationBatch {
  const batch: ReservationBatch = { reserved: [], settled: [], expired: [], released: [], denied: [] };
  for (const event of events) {
    const list = listFor(batch, event.type);
    if (list === null) continue;
    if (event.schemaVersion !== KNOWN_VERSION) {
      throw new Error(`${event.type} schema version ${event.schemaVersion} (event ${event.eventId}) is not supported by the projections`);
    }
    list.push({ event, data: event.data as never });
  }
  return batch;
}

function listFor(batch: ReservationBatch, type: string): Recorded<{ data: unknown }>[] | null {
  switch (type) {
    case 'SpendReserved':
      return batch.reserved;
    case 'SpendSettled':
      return batch.settled;
    case 'ReservationExpired':
      return batch.expired;
    case 'ReservationReleased':
      return batch.released;
    case 'SpendDenied':
      return batch.denied;
    default:
      return null;
  }
}

/**
 * Thrown when a charge names a reservation the projection never saw (its SpendReserved is
 * missing or parked in the DLQ). The runner parks the charge; `dlq retry` after the hold is
 * projected writes it.
 */
export class UnknownReservationError extends Error {
  constructor(
    readonly processor: string,
    readonly missing: readonly { eventId: string; reservationId: string }[],
  ) {
    super(
      `${processor}: no SpendReserved projected for ${missing
        .map((m) => `reservation ${m.reservationId} (event ${m.eventId})`)
        .join(', ')}`,
    );
    this.name = 'UnknownReservationError';
  }
}
