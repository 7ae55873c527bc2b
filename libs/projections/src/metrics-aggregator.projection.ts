import type { RecordedEvent, SqlExecutor } from '@caracal/event-store';
import type { Processor } from './processor.js';
import type { RedisSpendingCounters } from './redis-spending-counters.js';
import { refuseDuplicateCharges } from './charge-conflicts.js';
import { CHARGE_EVENT_TYPES, chargesAndDenials } from './reservation-events.js';
import { BUCKET_SQL } from './spending-bucket.js';
import { bucketsOfCharges } from './spending-buckets.read.js';

export const METRICS_AGGREGATOR = 'metrics-aggregator-group';
export const SPENDING_TABLES = ['spending_buckets', 'spending_charges'];

export interface MetricsAggregatorOptions {
  /**
   * Hot counters (production profile). Without them the processor has no afterCommit step: the
   * embedded profile reads spend from PostgreSQL (PGlite) and the domain's in-memory state.
   */
  redis?: { counters: RedisSpendingCounters; sql: SqlExecutor };
}

/**
 * The metrics aggregator (consumer group metrics-aggregator-group, the runbook's name): charged
 * spend per agent subtree, currency and 15-minute UTC bucket. A charge counts for every agent
 * of its hold's agentPath, in the bucket of the hold's time (`reservedAt`, the domain's window
 * rule); both travel on the charge event.
 *
 * Idempotent per event: a charge is added to the buckets only by the statement that records it
 * in spending_charges (keyed by reservation id); re-applying it adds nothing, and a second
 * charge of a reservation by another event is refused (DuplicateChargeError).
 */
export function createMetricsAggregator(options: MetricsAggregatorOptions = {}): Processor {
  const processor: Processor = {
    name: METRICS_AGGREGATOR,
    version: 1,
    eventTypes: CHARGE_EVENT_TYPES,
    readModelTables: [...SPENDING_TABLES],
    apply: applySpending,
  };
  const redis = options.redis;
  if (redis !== undefined) {
    // SET the committed folds of the buckets this batch touched: re-running it (a crash before
    // it ran, a DLQ retry, a replay) writes the same values, never a second increment.
    processor.afterCommit = async (events) => {
      const { charges } = chargesAndDenials(events);
      if (charges.length === 0) return;
      await redis.counters.write(await bucketsOfCharges(redis.sql, charges.map(({ data }) => data)));
    };
  }
  return processor;
}

async function applySpending(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  const { charges } = chargesAndDenials(events);
  if (charges.length === 0) return;

  // One statement per batch. A charge reaches the buckets only through the row it inserts into
  // spending_charges (ON CONFLICT DO NOTHING): re-applying it (DLQ retry, a replayed batch) finds
  // the row and adds nothing. Each newly recorded charge is fanned out to every agent of its
  // hold's path and added per (agent, currency, bucket of the hold's time). Returns the charges
  // whose reservation was already recorded (the caller tells a re-application from a second charge).
  const { rows: notInserted } = await tx.query<{ event_id: string; reservation_id: string }>(
    `WITH x AS (
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::jsonb[], $4::text[], $5::timestamptz[], $6::bigint[])
              AS x(reservation_id, event_id, agent_path, currency, reserved_at, amount_nanos)
     ), recorded AS (
       INSERT INTO spending_charges (reservation_id, event_id)
       SELECT reservation_id, event_id FROM x
       ON CONFLICT (reservation_id) DO NOTHING
       RETURNING reservation_id
     ), folded AS (
       INSERT INTO spending_buckets AS b (agent_id, currency, bucket_start, amount_nanos, charges)
       SELECT a.agent_id, x.currency, ${BUCKET_SQL('x.reserved_at')}, sum(x.amount_nanos), count(*)
         FROM x JOIN recorded r ON r.reservation_id = x.reservation_id
        CROSS JOIN LATERAL jsonb_array_elements_text(x.agent_path) AS a(agent_id)
        GROUP BY 1, 2, 3
       ON CONFLICT (agent_id, currency, bucket_start) DO UPDATE
         SET amount_nanos = b.amount_nanos + excluded.amount_nanos, charges = b.charges + excluded.charges
       RETURNING 1
     )
     SELECT x.event_id::text AS event_id, x.reservation_id FROM x
      WHERE NOT EXISTS (SELECT 1 FROM recorded r WHERE r.reservation_id = x.reservation_id)`,
    [
      charges.map(({ data }) => data.reservationId),
      charges.map(({ event }) => event.eventId),
      charges.map(({ data }) => JSON.stringify(data.agentPath)),
      charges.map(({ data }) => data.currency),
      charges.map(({ data }) => data.reservedAt),
      charges.map(({ data }) => data.amountNanos),
    ],
    'caracal_spending_write',
  );
  await refuseDuplicateCharges(tx, METRICS_AGGREGATOR, 'spending_charges', charges, notInserted);
}
