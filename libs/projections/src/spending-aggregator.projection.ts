import type { RecordedEvent, SqlExecutor } from '../../event-store/src/index.js';
import type { Processor } from './processor.js';
import type { RedisSpendingCounters } from './redis-spending-counters.js';
import { splitReservationEvents, UnknownReservationError } from './reservation-events.js';
import { BUCKET_SQL } from './spending-bucket.js';
import { bucketsOfReservations } from './spending-buckets.read.js';

export const METRICS_AGGREGATOR = 'metrics-aggregator-group';
export const SPENDING_TABLES = ['spending_buckets', 'spending_reservations'];

export interface SpendingAggregatorOptions {
  /**
   * Hot counters (production profile). Without them the processor has no afterCommit step: the
   * embedded profile reads spend from PostgreSQL (PGlite) and the domain's in-memory state.
   */
  redis?: { counters: RedisSpendingCounters; sql: SqlExecutor };
}

/**
 * metrics-aggregator-group: charged spend per agent subtree, currency and 15-minute UTC bucket.
 * A charge counts for every agent of its reservation's agentPath, in the bucket of the
 * reservation's occurredAt (the domain's window rule).
 *
 * Idempotent per event: a charge reaches the buckets only through the statement that marks its
 * hold resolved (`resolved_event_id IS NULL` → its event id); re-applying the event finds the
 * hold resolved and adds nothing. Holds stay as tombstones so a re-applied SpendReserved
 * cannot reopen one.
 */
export function createSpendingAggregator(options: SpendingAggregatorOptions = {}): Processor {
  const processor: Processor = {
    name: METRICS_AGGREGATOR,
    version: 1,
    readModelTables: [...SPENDING_TABLES],
    apply: applySpending,
  };
  const redis = options.redis;
  if (redis !== undefined) {
    // SET the committed folds of the buckets this batch touched: re-running it (a crash before
    // it ran, a DLQ retry, a replay) writes the same values, never a second increment.
    processor.afterCommit = async (events) => {
      const reservationIds = chargedReservationIds(events);
      if (reservationIds.length === 0) return;
      await redis.counters.write(await bucketsOfReservations(redis.sql, reservationIds));
    };
  }
  return processor;
}

async function applySpending(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  const batch = splitReservationEvents(events);
  if (batch.reserved.length + batch.settled.length + batch.expired.length + batch.released.length === 0) return;

  // Holds as typed arrays (unnest): cheaper to parse than a JSON array of objects.
  const holds = {
    reservation_id: batch.reserved.map(({ data }) => data.reservationId),
    agent_path: batch.reserved.map(({ data }) => JSON.stringify(data.agentPath)),
    currency: batch.reserved.map(({ data }) => data.currency),
    occurred_at: batch.reserved.map(({ data }) => data.occurredAt),
  };
  // Every event that resolves a hold; releases (amount null) close it without charging.
  const resolutions = [
    ...batch.settled.map(({ event, data }) => ({ event_id: event.eventId, reservation_id: data.reservationId, amount_nanos: data.amountNanos })),
    ...batch.expired.map(({ event, data }) => ({ event_id: event.eventId, reservation_id: data.reservationId, amount_nanos: data.amountNanos })),
    ...batch.released.map(({ event, data }) => ({ event_id: event.eventId, reservation_id: data.reservationId, amount_nanos: null })),
  ];

  // One statement per batch. A hold whose resolution is in the same batch (the usual case in a
  // replay) is inserted already resolved, and its charge is folded from the inserted row; a hold
  // stored before is resolved by the UPDATE (`resolved_event_id IS NULL` → the event id), whose
  // returned rows are folded. Data-modifying CTEs share one snapshot, so the UPDATE never sees
  // the rows inserted here: each charge reaches the buckets at most once, and a re-applied
  // charge (hold already resolved, or insert skipped by ON CONFLICT) adds nothing. Each newly
  // resolved charge is fanned out to every agent of its path and added per (agent, currency,
  // bucket). Returns the charges whose hold was never seen (the caller throws: nothing commits).
  const { rows: missing } = await tx.query<{ event_id: string; reservation_id: string }>(
    `WITH h AS (
       SELECT * FROM unnest($1::text[], $2::jsonb[], $3::text[], $4::timestamptz[]) AS h(reservation_id, agent_path, currency, occurred_at)
     ), x AS (
       SELECT * FROM json_to_recordset($5::json) AS x(event_id uuid, reservation_id text, amount_nanos bigint)
     ), held AS (
       INSERT INTO spending_reservations (reservation_id, agent_path, currency, occurred_at, resolved_event_id)
       SELECT h.reservation_id, h.agent_path, h.currency, h.occurred_at, f.event_id
         FROM h LEFT JOIN (SELECT DISTINCT ON (reservation_id) reservation_id, event_id FROM x) f ON f.reservation_id = h.reservation_id
       ON CONFLICT (reservation_id) DO NOTHING
       RETURNING agent_path, currency, occurred_at, resolved_event_id
     ), resolved AS (
       UPDATE spending_reservations r SET resolved_event_id = x.event_id
         FROM x WHERE r.reservation_id = x.reservation_id AND r.resolved_event_id IS NULL
       RETURNING r.agent_path, r.currency, r.occurred_at, x.amount_nanos
     ), charged AS (
       SELECT held.agent_path, held.currency, held.occurred_at, x.amount_nanos
         FROM held JOIN x ON x.event_id = held.resolved_event_id
       UNION ALL
       SELECT agent_path, currency, occurred_at, amount_nanos FROM resolved
     ), folded AS (
       INSERT INTO spending_buckets AS b (agent_id, currency, bucket_start, amount_nanos, charges)
       SELECT a.agent_id, c.currency, ${BUCKET_SQL('c.occurred_at')}, sum(c.amount_nanos), count(*)
         FROM charged c CROSS JOIN LATERAL jsonb_array_elements_text(c.agent_path) AS a(agent_id)
        WHERE c.amount_nanos IS NOT NULL
        GROUP BY 1, 2, 3
       ON CONFLICT (agent_id, currency, bucket_start) DO UPDATE
         SET amount_nanos = b.amount_nanos + excluded.amount_nanos, charges = b.charges + excluded.charges
       RETURNING 1
     )
     SELECT x.event_id::text AS event_id, x.reservation_id FROM x
      WHERE x.amount_nanos IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM h WHERE h.reservation_id = x.reservation_id)
        AND NOT EXISTS (SELECT 1 FROM spending_reservations r WHERE r.reservation_id = x.reservation_id)`,
    [
      holds.reservation_id,
      holds.agent_path,
      holds.currency,
      holds.occurred_at,
      // JSON on purpose (see ledger-writer.projection.ts): keeps the UPDATE a nested loop on the key.
      JSON.stringify(resolutions),
    ],
  );
  if (missing.length > 0) {
    throw new UnknownReservationError(
      METRICS_AGGREGATOR,
      missing.map((m) => ({ eventId: m.event_id, reservationId: m.reservation_id })),
    );
  }
}

function chargedReservationIds(events: readonly RecordedEvent[]): string[] {
  const ids = new Set<string>();
  for (const event of events) {
    if (event.type === 'SpendSettled' || event.type === 'ReservationExpired') ids.add(String(event.data.reservationId));
  }
  return [...ids];
}
