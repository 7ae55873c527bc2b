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

  if (batch.reserved.length > 0) {
    const rows = batch.reserved.map(({ data }) => ({
      reservation_id: data.reservationId,
      agent_path: data.agentPath,
      currency: data.currency,
      occurred_at: data.occurredAt,
    }));
    await tx.query(
      `INSERT INTO spending_reservations (reservation_id, agent_path, currency, occurred_at)
       SELECT r.reservation_id, r.agent_path, r.currency, r.occurred_at
         FROM json_to_recordset($1::json) AS r(reservation_id text, agent_path jsonb, currency text, occurred_at timestamptz)
       ON CONFLICT (reservation_id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  const charges = [
    ...batch.settled.map(({ event, data }) => ({ event_id: event.eventId, reservation_id: data.reservationId, amount_nanos: data.amountNanos })),
    ...batch.expired.map(({ event, data }) => ({ event_id: event.eventId, reservation_id: data.reservationId, amount_nanos: data.amountNanos })),
  ];
  if (charges.length > 0) {
    // One statement: resolve the holds not resolved yet, fan each newly resolved charge out to
    // every agent of its path, add per (agent, currency, bucket), and return unknown holds.
    const { rows: missing } = await tx.query<{ event_id: string; reservation_id: string }>(
      `WITH c AS (
         SELECT * FROM json_to_recordset($1::json) AS c(event_id uuid, reservation_id text, amount_nanos bigint)
       ), resolved AS (
         UPDATE spending_reservations r SET resolved_event_id = c.event_id
           FROM c WHERE r.reservation_id = c.reservation_id AND r.resolved_event_id IS NULL
         RETURNING r.agent_path, r.currency, r.occurred_at, c.amount_nanos
       ), folded AS (
         INSERT INTO spending_buckets AS b (agent_id, currency, bucket_start, amount_nanos, charges)
         SELECT a.agent_id, x.currency, ${BUCKET_SQL('x.occurred_at')}, sum(x.amount_nanos), count(*)
           FROM resolved x CROSS JOIN LATERAL jsonb_array_elements_text(x.agent_path) AS a(agent_id)
          GROUP BY 1, 2, 3
         ON CONFLICT (agent_id, currency, bucket_start) DO UPDATE
           SET amount_nanos = b.amount_nanos + excluded.amount_nanos, charges = b.charges + excluded.charges
         RETURNING 1
       )
       SELECT c.event_id::text AS event_id, c.reservation_id FROM c
        WHERE NOT EXISTS (SELECT 1 FROM spending_reservations r WHERE r.reservation_id = c.reservation_id)`,
      [JSON.stringify(charges)],
    );
    if (missing.length > 0) {
      throw new UnknownReservationError(
        METRICS_AGGREGATOR,
        missing.map((m) => ({ eventId: m.event_id, reservationId: m.reservation_id })),
      );
    }
  }

  if (batch.released.length > 0) {
    const rows = batch.released.map(({ event, data }) => ({ event_id: event.eventId, reservation_id: data.reservationId }));
    await tx.query(
      `UPDATE spending_reservations r SET resolved_event_id = c.event_id
         FROM json_to_recordset($1::json) AS c(event_id uuid, reservation_id text)
        WHERE r.reservation_id = c.reservation_id AND r.resolved_event_id IS NULL`,
      [JSON.stringify(rows)],
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
