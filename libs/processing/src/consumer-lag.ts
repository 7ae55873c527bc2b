import { START_OF_LOG, type EventStore, type GlobalCheckpoint, type SqlExecutor } from '@caracal/event-store';
import { loadCheckpoint } from './checkpoint-store.js';
import type { ProcessorKey } from './processor.js';

export interface ConsumerLag {
  processor: string;
  version: number;
  checkpoint: GlobalCheckpoint;
  /** Events readable after the checkpoint (0 when caught up). */
  eventsBehind: bigint;
  /** recorded_at of the first event after the checkpoint; null when caught up. */
  oldestUnprocessedAt: Date | null;
  oldestUnprocessedAgeMs: number | null;
  /** When the checkpoint last moved; null before the processor first ran. */
  lastCheckpointAt: Date | null;
  eventsProcessed: bigint;
  /** The lease holder (the active instance), and whether its lease is still unexpired. */
  owner: string | null;
  leaseExpiresAt: Date | null;
  leaseActive: boolean;
}

interface LeaseRow extends Record<string, unknown> {
  owner: string;
  expires_at: Date;
  active: boolean;
}

/**
 * Consumer lag of a store-based processor, from the database alone: answers from any process,
 * whether or not it runs the processor (`caracal kafka consumer-lag`, /health, the gauge).
 */
export async function consumerLag(
  executor: SqlExecutor,
  store: Pick<EventStore, 'readAll' | 'countEventsAfter'>,
  processor: ProcessorKey,
  now: Date = new Date(),
): Promise<ConsumerLag> {
  const stored = await loadCheckpoint(executor, processor);
  const checkpoint = stored?.checkpoint ?? START_OF_LOG;
  const [eventsBehind, next, lease] = await Promise.all([
    store.countEventsAfter(checkpoint),
    store.readAll({ after: checkpoint, maxCount: 1 }),
    executor.query<LeaseRow>(
      `SELECT owner, expires_at, expires_at > clock_timestamp() AS active
         FROM processor_leases WHERE processor = $1 AND version = $2`,
      [processor.name, processor.version],
    ),
  ]);
  const oldest = next[0]?.recordedAt ?? null;
  const leaseRow = lease.rows[0];
  return {
    processor: processor.name,
    version: processor.version,
    checkpoint,
    eventsBehind,
    oldestUnprocessedAt: oldest,
    oldestUnprocessedAgeMs: oldest === null ? null : Math.max(0, now.getTime() - oldest.getTime()),
    lastCheckpointAt: stored && stored.eventsProcessed > 0n ? stored.updatedAt : null,
    eventsProcessed: stored?.eventsProcessed ?? 0n,
    owner: leaseRow?.owner ?? null,
    leaseExpiresAt: leaseRow?.expires_at ?? null,
    leaseActive: leaseRow?.active ?? false,
  };
}
