import type { RecordedEvent, SqlExecutor } from '../../event-store/src/index.js';
import { ledgerEntryId } from './ledger-entry-id.js';
import type { Processor } from './processor.js';
import { splitReservationEvents, UnknownReservationError } from './reservation-events.js';

export const LEDGER_WRITER = 'ledger-writer-group';
export const LEDGER_TABLES = ['ledger_entries', 'ledger_denials', 'ledger_reservations'];

/**
 * ledger-writer-group: one ledger entry per charge (SpendSettled, ReservationExpired) and one
 * row per denial. Set-based: a batch costs one statement whatever its size (rows are passed as
 * JSON arrays), which is what makes a full replay fast (bench/replay, docs/benchmarks.md).
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
  if (batch.reserved.length + batch.settled.length + batch.expired.length + batch.released.length + batch.denied.length === 0) return;

  // Holds as typed arrays (unnest): cheaper to parse than a JSON array of objects.
  const holds = {
    reservation_id: batch.reserved.map(({ data }) => data.reservationId),
    event_id: batch.reserved.map(({ event }) => event.eventId),
    agent_id: batch.reserved.map(({ data }) => data.agentId),
    agent_path: batch.reserved.map(({ data }) => JSON.stringify(data.agentPath)),
    resource: batch.reserved.map(({ data }) => data.resource),
    model: batch.reserved.map(({ data }) => data.model ?? null),
    currency: batch.reserved.map(({ data }) => data.currency),
    occurred_at: batch.reserved.map(({ data }) => data.occurredAt),
  };
  // Charges and releases: every event that resolves a hold. Releases charge nothing (no entry).
  const resolutions = [
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
    ...batch.released.map(({ event, data }) => ({
      event,
      reservation_id: data.reservationId,
      amount_nanos: null,
      usage: null,
      pricebook_version: null,
      kind: 'released',
    })),
  ].map(({ event, ...resolution }) => ({
    ...resolution,
    entry_id: resolution.kind === 'released' ? null : ledgerEntryId(event.eventId),
    event_id: event.eventId,
    global_position: event.globalPosition.toString(),
    recorded_at: event.recordedAt.toISOString(),
  }));
  const denials = batch.denied.map(({ event, data }) => ({
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

  // One statement per batch (one round trip). Holds come as typed arrays (unnest: ~3 µs a row
  // against ~10 for json_to_recordset); resolutions and denials stay JSON on purpose: the planner
  // estimates 100 rows for json_to_recordset, which keeps the UPDATE of stored holds a nested
  // loop on the primary key. With unnest's accurate estimate it picked a seq scan of every open
  // hold per batch, and JIT compilation (~2 s a statement) on the inflated fan-out estimate.
  // - holds: inserted already resolved when their charge/release is in the same batch (the usual
  //   case in a replay), which saves writing each hold twice; ON CONFLICT DO NOTHING as before;
  // - holds that existed before this statement: resolved by the UPDATE (`resolved_event_id IS
  //   NULL` → the event id). Data-modifying CTEs share one snapshot: the UPDATE never sees the
  //   rows inserted here, so each hold is resolved by exactly one of the two;
  // - entries: agent, resource, model, currency and window time from the stored hold (it wins,
  //   as when the hold was inserted first) or else the batch's hold; ON CONFLICT (entry_id) DO
  //   NOTHING. A second charge of one reservation violates ledger_entries' unique
  //   reservation_id: the batch fails and the runner parks the event (the domain never emits one);
  // - denials: ON CONFLICT (event_id) DO NOTHING;
  // - returns the charges whose hold was never seen (the caller throws: nothing is committed).
  const { rows: missing } = await tx.query<{ event_id: string; reservation_id: string }>(
    `WITH h AS (
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
              AS h(reservation_id, event_id, agent_id, agent_path, resource, model, currency, occurred_at)
     ), x AS (
       SELECT * FROM json_to_recordset($9::json) AS x(entry_id uuid, event_id uuid, global_position bigint,
              reservation_id text, amount_nanos bigint, usage jsonb, pricebook_version text, kind text, recorded_at timestamptz)
     ), first_x AS (
       SELECT DISTINCT ON (reservation_id) reservation_id, event_id FROM x ORDER BY reservation_id, global_position
     ), held AS (
       INSERT INTO ledger_reservations (reservation_id, event_id, agent_id, agent_path, resource, model, currency, occurred_at,
                                        resolved_event_id)
       SELECT h.reservation_id, h.event_id, h.agent_id, h.agent_path, h.resource, h.model, h.currency, h.occurred_at, f.event_id
         FROM h LEFT JOIN first_x f ON f.reservation_id = h.reservation_id
       ON CONFLICT (reservation_id) DO NOTHING
       RETURNING 1
     ), resolved AS (
       UPDATE ledger_reservations r SET resolved_event_id = x.event_id
         FROM x WHERE r.reservation_id = x.reservation_id AND r.resolved_event_id IS NULL
       RETURNING 1
     ), charges AS (
       SELECT x.*, coalesce(r.agent_id, h.agent_id) AS agent_id, coalesce(r.agent_path, h.agent_path) AS agent_path,
              coalesce(r.resource, h.resource) AS resource, CASE WHEN r.reservation_id IS NULL THEN h.model ELSE r.model END AS model,
              coalesce(r.currency, h.currency) AS currency, coalesce(r.occurred_at, h.occurred_at) AS occurred_at,
              r.reservation_id IS NULL AND h.reservation_id IS NULL AS unknown
         FROM x
         LEFT JOIN ledger_reservations r ON r.reservation_id = x.reservation_id
         LEFT JOIN (SELECT DISTINCT ON (reservation_id) * FROM h) h ON h.reservation_id = x.reservation_id
        WHERE x.kind <> 'released'
     ), inserted AS (
       INSERT INTO ledger_entries (entry_id, event_id, global_position, agent_id, agent_path, reservation_id, resource,
                                   model, usage, amount_nanos, currency, pricebook_version, kind, occurred_at, recorded_at)
       SELECT c.entry_id, c.event_id, c.global_position, c.agent_id, c.agent_path, c.reservation_id, c.resource,
              c.model, c.usage, c.amount_nanos, c.currency, c.pricebook_version, c.kind, c.occurred_at, c.recorded_at
         FROM charges c WHERE NOT c.unknown
       ON CONFLICT (entry_id) DO NOTHING
       RETURNING 1
     ), denied AS (
       INSERT INTO ledger_denials (event_id, global_position, request_id, agent_id, reason, policy_id, resource, occurred_at, recorded_at)
       SELECT d.event_id, d.global_position, d.request_id, d.agent_id, d.reason, d.policy_id, d.resource, d.occurred_at, d.recorded_at
         FROM json_to_recordset($10::json) AS d(event_id uuid, global_position bigint, request_id text, agent_id text,
              reason text, policy_id text, resource text, occurred_at timestamptz, recorded_at timestamptz)
       ON CONFLICT (event_id) DO NOTHING
       RETURNING 1
     )
     SELECT c.event_id::text AS event_id, c.reservation_id FROM charges c WHERE c.unknown`,
    [
      holds.reservation_id,
      holds.event_id,
      holds.agent_id,
      holds.agent_path,
      holds.resource,
      holds.model,
      holds.currency,
      holds.occurred_at,
      JSON.stringify(resolutions),
      JSON.stringify(denials),
    ],
  );
  if (missing.length > 0) {
    throw new UnknownReservationError(
      LEDGER_WRITER,
      missing.map((m) => ({ eventId: m.event_id, reservationId: m.reservation_id })),
    );
  }
}
