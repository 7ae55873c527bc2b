import type { ReservationExpired, SpendDenied, SpendSettled } from '@caracal/domain';
import type { RecordedEvent } from '@caracal/event-store';

/**
 * Narrowing of recorded events to what the projections read: charges (SpendSettled,
 * ReservationExpired) and denials (SpendDenied). Holds and releases change no read model: a
 * charge carries its hold's facts (agentPath, resource, model, currency, reservedAt), so
 * nothing has to remember the hold until it resolves. Other event types share the global log
 * and are skipped.
 *
 * A charge or denial with a schema version these projections do not know, or a charge without
 * its hold's facts, is an error: skipping it would silently lose money, so the runner retries it
 * and parks it in the DLQ instead.
 */
export interface Recorded<E extends { data: unknown }> {
  event: RecordedEvent;
  data: E['data'];
}

export type ChargeKind = 'settled' | 'expired';

export type Charge =
  | { event: RecordedEvent; kind: 'settled'; data: SpendSettled['data'] }
  | { event: RecordedEvent; kind: 'expired'; data: ReservationExpired['data'] };

export interface ChargesAndDenials {
  charges: Charge[];
  denials: Recorded<SpendDenied>[];
}

/** The event types the charge projections act on (Processor.eventTypes). */
export const CHARGE_EVENT_TYPES = ['SpendSettled', 'ReservationExpired'] as const;
export const CHARGE_AND_DENIAL_EVENT_TYPES = [...CHARGE_EVENT_TYPES, 'SpendDenied'] as const;

const KNOWN_VERSION = 1;
const HOLD_FACTS = ['agentPath', 'resource', 'model', 'currency', 'reservedAt'] as const;
/** Nano amounts as decimal strings: what was charged and, for a settlement, the hold and the overage above it. */
const AMOUNTS: Record<ChargeKind, readonly string[]> = {
  settled: ['amountNanos', 'heldNanos', 'overageNanos'],
  expired: ['amountNanos'],
};
const NANOS = /^(0|[1-9][0-9]*)$/;

export function chargesAndDenials(events: readonly RecordedEvent[]): ChargesAndDenials {
  const batch: ChargesAndDenials = { charges: [], denials: [] };
  for (const event of events) {
    const kind = chargeKind(event.type);
    if (kind === null && event.type !== 'SpendDenied') continue;
    if (event.schemaVersion !== KNOWN_VERSION) {
      throw new Error(`${event.type} schema version ${event.schemaVersion} (event ${event.eventId}) is not supported by the projections`);
    }
    if (kind === null) {
      batch.denials.push({ event, data: event.data as SpendDenied['data'] });
      continue;
    }
    const missing = HOLD_FACTS.filter((field) => !(field in event.data));
    if (missing.length > 0 || !Array.isArray(event.data.agentPath) || event.data.agentPath.length === 0) {
      throw new MalformedChargeError(event.eventId, event.type, missing.length > 0 ? missing : ['agentPath']);
    }
    const badAmounts = AMOUNTS[kind].filter((field) => {
      const value = event.data[field];
      return typeof value !== 'string' || !NANOS.test(value);
    });
    if (badAmounts.length > 0) throw new MalformedChargeError(event.eventId, event.type, badAmounts);
    batch.charges.push({ event, kind, data: event.data as never });
  }
  return batch;
}

function chargeKind(type: string): ChargeKind | null {
  if (type === 'SpendSettled') return 'settled';
  if (type === 'ReservationExpired') return 'expired';
  return null;
}

/**
 * The charges of a batch whose reservation is charged twice (by two different events) inside
 * the batch. The domain never emits a second charge for a reservation; a projection that met one
 * would have to pick a winner, so it refuses the batch instead.
 */
export function duplicateChargesInBatch(charges: readonly Charge[]): { eventId: string; reservationId: string; chargedBy: string }[] {
  const first = new Map<string, string>();
  const duplicates: { eventId: string; reservationId: string; chargedBy: string }[] = [];
  for (const { event, data } of charges) {
    const chargedBy = first.get(data.reservationId);
    if (chargedBy === undefined) first.set(data.reservationId, event.eventId);
    else if (chargedBy !== event.eventId) duplicates.push({ eventId: event.eventId, reservationId: data.reservationId, chargedBy });
  }
  return duplicates;
}

/** A charge event without the hold facts the projections place it with (a pre-release log), or without its amounts. */
export class MalformedChargeError extends Error {
  constructor(
    readonly eventId: string,
    readonly eventType: string,
    readonly missingFields: readonly string[],
  ) {
    super(`${eventType} event ${eventId} lacks ${missingFields.join(', ')}: it cannot be placed in the ledger or spending windows`);
    this.name = 'MalformedChargeError';
  }
}

/**
 * A reservation charged by a second, different event. The ledger and the spending fold keep the
 * first charge; the second is refused (the runner parks it) because the domain never emits one:
 * it means a corrupt log or read model, which an operator must look at.
 */
export class DuplicateChargeError extends Error {
  constructor(
    readonly processor: string,
    readonly duplicates: readonly { eventId: string; reservationId: string; chargedBy: string }[],
  ) {
    super(
      `${processor}: ${duplicates
        .map((d) => `reservation ${d.reservationId} is already charged by event ${d.chargedBy} (event ${d.eventId} charges it again)`)
        .join('; ')}`,
    );
    this.name = 'DuplicateChargeError';
  }
}
