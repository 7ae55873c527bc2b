import { CommitNotifier } from './commit-notifier.js';
import { IdempotencyConflictError, StoreUnavailableError, WrongExpectedVersionError } from './event-store.errors.js';
import {
  START_OF_LOG,
  type AggregateSnapshot,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedState,
  type GlobalCheckpoint,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './event-store.port.js';
import { GlobalSubscription } from './global-subscription.js';
import type { SqlClient, SqlExecutor } from './sql-client.js';

/** The channel SqlEventStore notifies on after its appends commit (payload: empty). */
export const EVENTS_CHANNEL = 'caracal_events';

const DEFAULT_READ_ALL_COUNT = 1_000;
const MAX_BIGINT = '9223372036854775807';

// SQLSTATEs raised by caracal_append (schemas/migrations/001_event_store.sql).
const WRONG_EXPECTED_VERSION = 'CE001';
const IDEMPOTENCY_CONFLICT = 'CE002';
const UNIQUE_VIOLATION = '23505';
const EVENT_ID_CONSTRAINT = 'events_event_id_key';

const EVENT_COLUMNS = `global_position, transaction_id, stream_id, stream_position, event_id, event_type,
  schema_version, data, metadata, recorded_at`;

interface EventRow extends Record<string, unknown> {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_position: string;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recorded_at: Date;
}

interface AppendRow extends Record<string, unknown> {
  stream_position: string;
  global_position: string;
  transaction_id: string;
  recorded_at: Date;
  replayed: boolean;
}

export interface SqlEventStoreOptions {
  /**
   * A commit notification that failed (subscribers then wake at their poll interval). Default:
   * console.warn, except StoreUnavailableError (the database is unreachable), which is dropped.
   */
  onNotifyError?: (error: unknown) => void;
}

/** The event store over PostgreSQL or PGlite: the same SQL on both. */
export class SqlEventStore implements EventStore {
  private readonly notifier: CommitNotifier;

  constructor(
    private readonly client: SqlClient,
    options: SqlEventStoreOptions = {},
  ) {
    // After commit, not in a trigger: a NOTIFY inside the appending transaction makes PostgreSQL
    // serialize the commits of all appends (docs/event-store.md).
    this.notifier = new CommitNotifier(
      () => client.query(`SELECT pg_notify('${EVENTS_CHANNEL}', '')`),
      options.onNotifyError ?? warnNotifyError,
    );
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    assertAppendable(events);
    const { inTransaction } = options;
    const appended = inTransaction
      ? await this.client.transaction(async (tx) => {
          const inTx = await appendEvents(tx, streamId, events, options.expected);
          // A replayed append was projected when it first committed: projecting again would double it.
          if (!inTx.replayed) await inTransaction(tx, inTx.result, inTx.recorded);
          return inTx;
        })
      : await appendEvents(this.client, streamId, events, options.expected);
    // Committed. A replay wrote nothing new (its first attempt announced it).
    if (!appended.replayed) this.notifier.committed();
    return appended.result;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backward = options.direction === 'backward';
    const sql = backward
      ? `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_position <= $2::bigint
         ORDER BY stream_position DESC LIMIT $3`
      : `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_position >= $2::bigint
         ORDER BY stream_position ASC LIMIT $3`;
    const from = options.fromVersion?.toString() ?? (backward ? MAX_BIGINT : '1');
    const { rows } = await this.client.query<EventRow>(sql, [streamId, from, options.maxCount ?? null]);
    return rows.map(toRecordedEvent);
  }

  async streamVersion(streamId: string): Promise<bigint> {
    const { rows } = await this.client.query<{ version: string }>('SELECT version FROM streams WHERE stream_id = $1', [
      streamId,
    ]);
    return rows.length === 0 ? 0n : BigInt(rows[0].version);
  }

  /**
   * Gap-free: global positions are taken before commit, so a transaction can commit a lower
   * position after a higher one was read. Only transactions older than the snapshot's xmin are
   * certainly finished; reading below it in (transaction id, position) order never skips an
   * event that commits late. See docs/event-store.md.
   */
  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const { rows } = await this.client.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
        WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          AND (transaction_id, global_position) > ($1::xid8, $2::bigint)
        ORDER BY transaction_id, global_position
        LIMIT $3`,
      [...checkpointParams(options.after), options.maxCount ?? DEFAULT_READ_ALL_COUNT],
    );
    return rows.map(toRecordedEvent);
  }

  async headCheckpoint(): Promise<GlobalCheckpoint> {
    const { rows } = await this.client.query<{ transaction_id: string; global_position: string }>(
      `SELECT transaction_id, global_position FROM events
        WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id DESC, global_position DESC
        LIMIT 1`,
    );
    if (rows.length === 0) return START_OF_LOG;
    return { transactionId: BigInt(rows[0].transaction_id), globalPosition: BigInt(rows[0].global_position) };
  }

  async countEventsAfter(after: GlobalCheckpoint): Promise<bigint> {
    const { rows } = await this.client.query<{ count: string }>(
      `SELECT count(*) AS count FROM events
        WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          AND (transaction_id, global_position) > ($1::xid8, $2::bigint)`,
      checkpointParams(after),
    );
    return BigInt(rows[0].count);
  }

  subscribeAll(handler: (events: readonly RecordedEvent[]) => Promise<void>, options: SubscribeOptions): Subscription {
    return new GlobalSubscription(
      {
        readAll: (readOptions) => this.readAll(readOptions),
        listen: (wake) => this.client.listen(EVENTS_CHANNEL, wake),
      },
      handler,
      options,
    );
  }

  async saveSnapshot(snapshot: AggregateSnapshot): Promise<void> {
    // Never replace a newer snapshot with an older one (two writers saving concurrently).
    await this.client.query(
      `INSERT INTO aggregate_snapshots (stream_id, snapshot_type, version, state)
       VALUES ($1, $2, $3::bigint, $4::jsonb)
       ON CONFLICT (stream_id, snapshot_type) DO UPDATE
         SET version = excluded.version, state = excluded.state, saved_at = now()
         WHERE aggregate_snapshots.version <= excluded.version`,
      [snapshot.streamId, snapshot.snapshotType, snapshot.version.toString(), JSON.stringify(snapshot.state)],
    );
  }

  async loadSnapshot(streamId: string, snapshotType: string): Promise<AggregateSnapshot | null> {
    const { rows } = await this.client.query<{ version: string; state: unknown }>(
      'SELECT version, state FROM aggregate_snapshots WHERE stream_id = $1 AND snapshot_type = $2',
      [streamId, snapshotType],
    );
    if (rows.length === 0) return null;
    return { streamId, snapshotType, version: BigInt(rows[0].version), state: rows[0].state };
  }
}

interface Appended {
  result: AppendResult;
  recorded: RecordedEvent[];
  replayed: boolean;
}

/** One round trip: caracal_append locks the stream, checks, inserts and bumps the version. */
async function appendEvents(
  executor: SqlExecutor,
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedState,
): Promise<Appended> {
  const payload = JSON.stringify(
    events.map((event) => ({
      eventId: event.eventId,
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data,
      metadata: event.metadata,
    })),
  );
  const exact = typeof expected === 'bigint';
  let rows: AppendRow[];
  try {
    ({ rows } = await executor.query<AppendRow>(
      'SELECT * FROM caracal_append($1, $2, $3::bigint, $4::jsonb)',
      [streamId, exact ? 'exact' : expected, exact ? expected.toString() : null, payload],
    ));
  } catch (error) {
    throw toAppendError(error, streamId, events, expected);
  }
  const recorded = rows.map((row, index): RecordedEvent => ({
    ...events[index],
    streamId,
    streamPosition: BigInt(row.stream_position),
    globalPosition: BigInt(row.global_position),
    transactionId: BigInt(row.transaction_id),
    recordedAt: row.recorded_at,
  }));
  const first = recorded[0];
  const last = recorded[recorded.length - 1];
  return {
    result: {
      nextExpectedVersion: last.streamPosition,
      firstGlobalPosition: first.globalPosition,
      lastGlobalPosition: last.globalPosition,
      transactionId: first.transactionId,
    },
    recorded,
    replayed: rows[0].replayed,
  };
}

function assertAppendable(events: readonly NewEvent[]): void {
  if (events.length === 0) throw new RangeError('append needs at least one event');
  const ids = new Set(events.map((event) => event.eventId.toLowerCase()));
  if (ids.size !== events.length) throw new RangeError('append has the same event id twice');
}

function toAppendError(error: unknown, streamId: string, events: readonly NewEvent[], expected: ExpectedState): unknown {
  const { code, detail, constraint } = error as { code?: string; detail?: string; constraint?: string };
  if (code === WRONG_EXPECTED_VERSION) {
    return new WrongExpectedVersionError(streamId, expected.toString(), BigInt(detail ?? '0'));
  }
  if (code === IDEMPOTENCY_CONFLICT) {
    return new IdempotencyConflictError(
      streamId,
      events.map((event) => event.eventId),
      detail ?? 'unknown',
    );
  }
  // Not raised by caracal_append itself (it skips stored ids); kept for a concurrent duplicate.
  if (code === UNIQUE_VIOLATION && constraint === EVENT_ID_CONSTRAINT) {
    return new IdempotencyConflictError(
      streamId,
      events.map((event) => event.eventId),
      'event ids appended concurrently by another append',
    );
  }
  return error;
}

function warnNotifyError(error: unknown): void {
  if (error instanceof StoreUnavailableError) return;
  console.warn('caracal event store: commit notification failed:', error instanceof Error ? error.message : error);
}

function checkpointParams(checkpoint: GlobalCheckpoint): [string, string] {
  return [checkpoint.transactionId.toString(), checkpoint.globalPosition.toString()];
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    type: row.event_type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    streamPosition: BigInt(row.stream_position),
    globalPosition: BigInt(row.global_position),
    transactionId: BigInt(row.transaction_id),
    recordedAt: row.recorded_at,
  };
}
