import type { EventStore, RecordedEvent, SqlClient } from '@caracal/event-store';
import { DlqEntryNotFoundError, DlqEventMissingError, errorMessage } from './processing.errors.js';
import type { ProcessorRegistry } from './processor-registry.js';

export type DlqStatus = 'parked' | 'retried' | 'discarded';

export interface DlqEntry {
  id: bigint;
  processor: string;
  version: number;
  eventId: string;
  globalPosition: bigint;
  transactionId: bigint;
  streamId: string;
  eventType: string;
  error: string;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  status: DlqStatus;
}

export interface DlqListFilter {
  processor?: string;
  version?: number;
  /** Entries whose last failure is at or after this time. */
  since?: Date;
  /** Default 'parked'; 'all' for every status. */
  status?: DlqStatus | 'all';
  limit?: number;
}

export interface DlqTarget {
  /** Only this processor's entry for the event (an event can be parked by several processors). */
  processor?: string;
  version?: number;
}

export interface DlqRetryOutcome {
  entry: DlqEntry;
  outcome: 'retried' | 'failed';
  /** Why the retry failed (the entry stays parked with this error). */
  error?: string;
}

interface DlqRow extends Record<string, unknown> {
  id: string;
  processor: string;
  version: number;
  event_id: string;
  global_position: string;
  transaction_id: string;
  stream_id: string;
  event_type: string;
  error: string;
  attempts: number;
  first_failed_at: Date;
  last_failed_at: Date;
  status: DlqStatus;
}

const COLUMNS = `id, processor, version, event_id, global_position, transaction_id, stream_id, event_type,
  error, attempts, first_failed_at, last_failed_at, status`;

/**
 * The dead-letter queue of the store-based processors (`caracal dlq ...`). A retry re-applies the
 * one event with its processor, in a transaction that also marks the entry: it is projected at
 * most once however often retry is called. It runs beside the live processor, after it moved on:
 * the processor's apply must not assume it sees events in log order for a retried one.
 */
export class DlqStore {
  constructor(
    private readonly client: SqlClient,
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly processors: ProcessorRegistry,
  ) {}

  async list(filter: DlqListFilter = {}): Promise<DlqEntry[]> {
    const status = filter.status ?? 'parked';
    const { rows } = await this.client.query<DlqRow>(
      `SELECT ${COLUMNS} FROM dlq
        WHERE ($1::text IS NULL OR processor = $1)
          AND ($2::integer IS NULL OR version = $2)
          AND ($3::timestamptz IS NULL OR last_failed_at >= $3)
          AND ($4::text IS NULL OR status = $4)
        ORDER BY id
        LIMIT $5`,
      [filter.processor ?? null, filter.version ?? null, filter.since ?? null, status === 'all' ? null : status, filter.limit ?? null],
    );
    return rows.map(toEntry);
  }

  /** Every entry for this event id (one per processor that parked it), any status. */
  async get(eventId: string): Promise<DlqEntry[]> {
    const { rows } = await this.client.query<DlqRow>(`SELECT ${COLUMNS} FROM dlq WHERE event_id = $1 ORDER BY id`, [
      eventId,
    ]);
    return rows.map(toEntry);
  }

  /** Number of parked entries (the `caracal_dlq_size` gauge). */
  async size(filter: DlqTarget = {}): Promise<number> {
    const { rows } = await this.client.query<{ count: string }>(
      `SELECT count(*) AS count FROM dlq
        WHERE status = 'parked' AND ($1::text IS NULL OR processor = $1) AND ($2::integer IS NULL OR version = $2)`,
      [filter.processor ?? null, filter.version ?? null],
    );
    return Number(rows[0].count);
  }

  /** Re-applies the parked event with each processor that parked it. Throws DlqEntryNotFoundError if none is parked. */
  async retry(eventId: string, target: DlqTarget = {}): Promise<DlqRetryOutcome[]> {
    const entries = (await this.get(eventId)).filter((entry) => entry.status === 'parked' && matches(entry, target));
    if (entries.length === 0) throw new DlqEntryNotFoundError(eventId);
    const outcomes: DlqRetryOutcome[] = [];
    for (const entry of entries) outcomes.push(await this.retryEntry(entry));
    return outcomes;
  }

  /** Retries every parked entry (of one processor, when given), in log order. */
  async retryAll(processor?: string): Promise<DlqRetryOutcome[]> {
    const entries = (await this.list({ processor })).sort(
      (a, b) => compare(a.transactionId, b.transactionId) || compare(a.globalPosition, b.globalPosition),
    );
    const outcomes: DlqRetryOutcome[] = [];
    for (const entry of entries) outcomes.push(await this.retryEntry(entry));
    return outcomes;
  }

  /** Marks the parked entries of this event discarded (nobody will project it). Returns how many. */
  async discard(eventId: string, target: DlqTarget = {}): Promise<number> {
    const { rowCount } = await this.client.query(
      `UPDATE dlq SET status = 'discarded'
        WHERE event_id = $1 AND status = 'parked'
          AND ($2::text IS NULL OR processor = $2) AND ($3::integer IS NULL OR version = $3)`,
      [eventId, target.processor ?? null, target.version ?? null],
    );
    if (rowCount === 0) throw new DlqEntryNotFoundError(eventId);
    return rowCount;
  }

  private async retryEntry(entry: DlqEntry): Promise<DlqRetryOutcome> {
    const processor = this.processors.get(entry.processor, entry.version);
    const event = await this.loadEvent(entry);
    try {
      const retried = await this.client.transaction(async (tx) => {
        // Locks the entry: two concurrent retries of one event apply it once.
        const { rowCount } = await tx.query(
          `UPDATE dlq SET status = 'retried', attempts = attempts + 1 WHERE id = $1::bigint AND status = 'parked'`,
          [entry.id.toString()],
        );
        if (rowCount === 0) return false;
        await processor.apply(tx, [event]);
        return true;
      });
      if (!retried) throw new DlqEntryNotFoundError(entry.eventId);
      await processor.afterCommit?.([event]).catch(() => undefined);
      return { entry: { ...entry, status: 'retried', attempts: entry.attempts + 1 }, outcome: 'retried' };
    } catch (error) {
      if (error instanceof DlqEntryNotFoundError) throw error;
      const message = errorMessage(error);
      await this.client.query(
        `UPDATE dlq SET attempts = attempts + 1, error = $2, last_failed_at = clock_timestamp()
          WHERE id = $1::bigint AND status = 'parked'`,
        [entry.id.toString(), message],
      );
      return { entry: { ...entry, attempts: entry.attempts + 1, error: message }, outcome: 'failed', error: message };
    }
  }

  /**
   * Reads the one event through the gap-free reader: nothing sorts between (xid, position - 1)
   * and (xid, position), so the first event after the former is this one.
   */
  private async loadEvent(entry: DlqEntry): Promise<RecordedEvent> {
    const [event] = await this.store.readAll({
      after: { transactionId: entry.transactionId, globalPosition: entry.globalPosition - 1n },
      maxCount: 1,
    });
    if (!event || event.eventId !== entry.eventId) throw new DlqEventMissingError(entry.eventId);
    return event;
  }
}

function matches(entry: DlqEntry, target: DlqTarget): boolean {
  return (
    (target.processor === undefined || entry.processor === target.processor) &&
    (target.version === undefined || entry.version === target.version)
  );
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toEntry(row: DlqRow): DlqEntry {
  return {
    id: BigInt(row.id),
    processor: row.processor,
    version: row.version,
    eventId: row.event_id,
    globalPosition: BigInt(row.global_position),
    transactionId: BigInt(row.transaction_id),
    streamId: row.stream_id,
    eventType: row.event_type,
    error: row.error,
    attempts: row.attempts,
    firstFailedAt: row.first_failed_at,
    lastFailedAt: row.last_failed_at,
    status: row.status,
  };
}
