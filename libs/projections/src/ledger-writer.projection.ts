import type { RecordedEvent, SqlExecutor } from '../../event-store/src/index.js';
import { ledgerEntryId } from './ledger-entry-id.js';
import type { Processor } from './processor.js';
import { splitReservationEvents, UnknownReservationError } from './reservation-events.js';

export const LEDGER_WRITER = 'ledger-writer-group';
export const LEDGER_TABLES = ['ledger_entries', 'ledger_denials', 'ledger_reservations'];

/**
 * ledger-writer-group: one ledger entry per charge (SpendSettled, ReservationExpired) and one
 * row per denial. Set-based: a batch costs at most four statements whatever its size (rows are
 * passed as one JSON array), which is what makes a full replay fast.
 *
 * Idempotent per event: entries are keyed by entry id (a function of the event id) and denials
 * by event id, both ON CONFLICT DO NOTHING;
 * reservations by reservation id, kept after resolution as tombstones so a re-applied
 * SpendReserved cannot reopen a hold.
 */
export function createLedgerWriter(): Processor {
  return {
    name: LEDGER_WRITER,
    version: 1,
    readModelTables: [...LEDGER_TABLES],
    apply: applyLedger,
  };
}

async function applyLedger(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  const batch = splitReservationEvents(events);

  // Holds first: a charge in the same batch reads the hold written here.
  if (batch.reserved.length > 0) {
    const rows = batch.reserved.map(({ event, data }) => ({
      reservation_id: data.reservationId,
      event_id: event.eventId,
      agent_id: data.agentId,
      agent_path: data.agentPath,
      resource: data.resource,
      model: data.model,
      currency: data.currency,
      occurred_at: data.occurredAt,
    }));
    await tx.query(
      `INSERT INTO ledger_reservations (reservation_id, event_id, agent_id, agent_path, resource, model, currency, occurred_at)
       SELECT r.reservation_id, r.event_id, r.agent_id, r.agent_path, r.resource, r.model, r.currency, r.occurred_at
         FROM json_to_recordset($1::json) AS r(reservation_id text, event_id uuid, agent_id text, agent_path jsonb,
              resource text, model text, currency text, occurred_at timestamptz)
       ON CONFLICT (reservation_id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  const charges = [
    ...batch.settled.map(({ event, data }) => ({
      event,
      reservation_id: data.reservationId,
      amount_nanos: data.amountNanos,
      usage: data.usage,
      pricebook_version: data.pricebookVersion,
      kind: 'settled',
    })),
    ...batch.expired.map(({ event, data }) => ({
      event,
      reservation_id: data.reservationId,
      amount_nanos: data.amountNanos,
      usage: null,
      pricebook_version: null,
      kind: 'expired',
    })),
  ];
  if (charges.length > 0) {
    const rows = charges.map(({ event, ...charge }) => ({
      ...charge,
      entry_id: ledgerEntryId(event.eventId),
      event_id: event.eventId,
      global_position: event.globalPosition.toString(),
      recorded_at: event.recordedAt.toISOString(),
    }));
    // One statement: write the entries (agent, resource, model, currency and window time from
    // the hold), mark the holds resolved, and return the charges whose hold was never seen.
    // A second charge of one reservation violates ledger_entries' unique reservation_id: the
    // batch fails and the runner parks the event (the domain never emits one).
    const { rows: missing } = await tx.query<{ event_id: string; reservation_id: string }>(
      `WITH c AS (
         SELECT * FROM json_to_recordset($1::json) AS c(entry_id uuid, event_id uuid, global_position bigint,
                reservation_id text, amount_nanos bigint, usage jsonb, pricebook_version text, kind text,
                recorded_at timestamptz)
       ), inserted AS (
         INSERT INTO ledger_entries (entry_id, event_id, global_position, agent_id, agent_path, reservation_id, resource,
                                     model, usage, amount_nanos, currency, pricebook_version, kind, occurred_at, recorded_at)
         SELECT c.entry_id, c.event_id, c.global_position, r.agent_id, r.agent_path, c.reservation_id, r.resource,
                r.model, c.usage, c.amount_nanos, r.currency, c.pricebook_version, c.kind, r.occurred_at, c.recorded_at
           FROM c JOIN ledger_reservations r ON r.reservation_id = c.reservation_id
         ON CONFLICT (entry_id) DO NOTHING
         RETURNING 1
       ), resolved AS (
         UPDATE ledger_reservations r SET resolved_event_id = c.event_id
           FROM c WHERE r.reservation_id = c.reservation_id AND r.resolved_event_id IS NULL
         RETURNING 1
       )
       SELECT c.event_id::text AS event_id, c.reservation_id FROM c
        WHERE NOT EXISTS (SELECT 1 FROM ledger_reservations r WHERE r.reservation_id = c.reservation_id)`,
      [JSON.stringify(rows)],
    );
    if (missing.length > 0) {
      throw new UnknownReservationError(
        LEDGER_WRITER,
        missing.map((m) => ({ eventId: m.event_id, reservationId: m.reservation_id })),
      );
    }
  }

  if (batch.released.length > 0) {
    // A release charges nothing; it only closes the hold (a tombstone, see the table comment).
    const rows = batch.released.map(({ event, data }) => ({ event_id: event.eventId, reservation_id: data.reservationId }));
    await tx.query(
      `UPDATE ledger_reservations r SET resolved_event_id = c.event_id
         FROM json_to_recordset($1::json) AS c(event_id uuid, reservation_id text)
        WHERE r.reservation_id = c.reservation_id AND r.resolved_event_id IS NULL`,
      [JSON.stringify(rows)],
    );
  }

  if (batch.denied.length > 0) {
    const rows = batch.denied.map(({ event, data }) => ({
      event_id: event.eventId,
      global_position: event.globalPosition.toString(),
      request_id: data.requestId,
      agent_id: data.agentId,
      reason: data.reason,
      policy_id: data.policyId,
      resource: data.resource,
      occurred_at: data.occurredAt,
      recorded_at: event.recordedAt.toISOString(),
    }));
    await tx.query(
      `INSERT INTO ledger_denials (event_id, global_position, request_id, agent_id, reason, policy_id, resource, occurred_at, recorded_at)
       SELECT d.event_id, d.global_position, d.request_id, d.agent_id, d.reason, d.policy_id, d.resource, d.occurred_at, d.recorded_at
         FROM json_to_recordset($1::json) AS d(event_id uuid, global_position bigint, request_id text, agent_id text,
              reason text, policy_id text, resource text, occurred_at timestamptz, recorded_at timestamptz)
       ON CONFLICT (event_id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }
}
