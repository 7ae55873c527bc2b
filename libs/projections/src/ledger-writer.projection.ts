import type { RecordedEvent, SqlExecutor } from '@caracal/event-store';
import { refuseDuplicateCharges } from './charge-conflicts.js';
import { ledgerEntryId } from './ledger-entry-id.js';
import type { Processor } from './processor.js';
import { CHARGE_AND_DENIAL_EVENT_TYPES, chargesAndDenials } from './reservation-events.js';

export const LEDGER_WRITER = 'ledger-writer-group';
export const LEDGER_TABLES = ['ledger_entries', 'ledger_denials'];

/**
 * ledger-writer-group: one ledger entry per charge (SpendSettled, ReservationExpired), with its
 * hold and its overage (the charge above the hold), and one row per denial. A charge carries its hold's agent path, resource, model, currency and window
 * time, so an entry is written from the charge alone. Set-based: a batch costs one statement
 * whatever its size, which is what makes a full replay fast (bench/replay, docs/benchmarks.md).
 *
 * Idempotent per event: entries are keyed by reservation id (a hold resolves once) and denials
 * by event id, both ON CONFLICT DO NOTHING. A reservation charged by a second, different event is
 * refused (DuplicateChargeError), never silently dropped.
 */
export function createLedgerWriter(): Processor {
  return {
    name: LEDGER_WRITER,
    version: 1,
    eventTypes: CHARGE_AND_DENIAL_EVENT_TYPES,
    readModelTables: [...LEDGER_TABLES],
    apply: applyLedger,
  };
}

async function applyLedger(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  const { charges, denials } = chargesAndDenials(events);
  if (charges.length + denials.length === 0) return;

  // Typed arrays (unnest), one per column: cheaper to parse than a JSON array of objects.
  const denied = (pick: (denial: (typeof denials)[number]) => unknown) => denials.map(pick);

  // One statement per batch (one round trip): the entries, then the denials. Returns the charges
  // whose reservation already had an entry (the caller tells a re-application from a second charge).
  // Not a named statement: prepared, it ran 7.3-7.7 ms a batch of ~400 charges against 6.4 planned
  // each time (the metrics aggregator's, below, gained; docs/benchmarks.md, thirteenth session).
  const { rows: notInserted } = await tx.query<{ event_id: string; reservation_id: string }>(
    `WITH x AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::jsonb[], $6::text[], $7::text[], $8::text[],
                            $9::jsonb[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::timestamptz[],
                            $25::bigint[], $26::bigint[])
              AS x(entry_id, event_id, global_position, agent_id, agent_path, reservation_id, resource, model,
                   usage, amount_nanos, currency, pricebook_version, kind, occurred_at, recorded_at, held_nanos, overage_nanos)
     ), inserted AS (
       INSERT INTO ledger_entries (entry_id, event_id, global_position, agent_id, agent_path, reservation_id, resource,
                                   model, usage, amount_nanos, currency, pricebook_version, kind, occurred_at, recorded_at,
                                   held_nanos, overage_nanos)
       SELECT entry_id, event_id, global_position, agent_id, agent_path, reservation_id, resource,
              model, usage, amount_nanos, currency, pricebook_version, kind, occurred_at, recorded_at,
              held_nanos, overage_nanos FROM x
       ON CONFLICT (reservation_id) DO NOTHING
       RETURNING reservation_id
     ), denied AS (
       INSERT INTO ledger_denials (event_id, global_position, request_id, agent_id, reason, policy_id, resource, occurred_at, recorded_at)
       SELECT * FROM unnest($16::uuid[], $17::bigint[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[],
                            $23::timestamptz[], $24::timestamptz[])
       ON CONFLICT (event_id) DO NOTHING
       RETURNING 1
     )
     SELECT x.event_id::text AS event_id, x.reservation_id FROM x
      WHERE NOT EXISTS (SELECT 1 FROM inserted i WHERE i.reservation_id = x.reservation_id)`,
    [
      charges.map(({ event }) => ledgerEntryId(event.eventId)),
      charges.map(({ event }) => event.eventId),
      charges.map(({ event }) => event.globalPosition.toString()),
      charges.map(({ data }) => data.agentId),
      charges.map(({ data }) => JSON.stringify(data.agentPath)),
      charges.map(({ data }) => data.reservationId),
      charges.map(({ data }) => data.resource),
      charges.map(({ data }) => data.model),
      charges.map((charge) => (charge.kind === 'settled' ? JSON.stringify(charge.data.usage) : null)),
      charges.map(({ data }) => data.amountNanos),
      charges.map(({ data }) => data.currency),
      charges.map((charge) => (charge.kind === 'settled' ? charge.data.pricebookVersion : null)),
      charges.map(({ kind }) => kind),
      // The hold's time: the window the charge counts in (docs/domain.md).
      charges.map(({ data }) => data.reservedAt),
      charges.map(({ event }) => event.recordedAt.toISOString()),
      denied(({ event }) => event.eventId),
      denied(({ event }) => event.globalPosition.toString()),
      denied(({ data }) => data.requestId),
      denied(({ data }) => data.agentId),
      denied(({ data }) => data.reason),
      denied(({ data }) => data.policyId),
      denied(({ data }) => data.resource),
      denied(({ data }) => data.occurredAt),
      denied(({ event }) => event.recordedAt.toISOString()),
      // What was held, and what the charge went past it (the upstream reported more than max_tokens):
      // as the settlement recorded them. An expired hold is charged at the held amount.
      charges.map((charge) => (charge.kind === 'settled' ? charge.data.heldNanos : charge.data.amountNanos)),
      charges.map((charge) => (charge.kind === 'settled' ? charge.data.overageNanos : '0')),
    ],
  );
  await refuseDuplicateCharges(tx, LEDGER_WRITER, 'ledger_entries', charges, notInserted);
}
