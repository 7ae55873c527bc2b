import { canonicalize, CanonicalJsonError } from '@caracal/merkle';
import { CommitNotifier } from './commit-notifier.js';
import { eventAuthenticationText, type EventAuthenticator } from './event-authentication.js';
import { IdempotencyConflictError, StoreUnavailableError, UnstorableTextError, WrongExpectedVersionError } from './event-store.errors.js';
import {
  START_OF_LOG,
  type AggregateSnapshot,
  type AppendOptions,
  type AppendResult,
  type EventPage,
  type EventStore,
  type ExpectedState,
  type GlobalCheckpoint,
  type InlineProjection,
  type LockedAppendOptions,
  type LockedAppendResult,
  type MultiStreamAppendOptions,
  type NewEvent,
  type ReadAllOfTypesOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type StreamAppendOutcome,
  type SubscribeOptions,
  type Subscription,
} from './event-store.port.js';
import { GlobalSubscription } from './global-subscription.js';
import { findUnstorableText } from './storable-text.js';
import { joinTextList, splitTextList } from './text-list.js';
import type { SqlClient, SqlExecutor, SqlStatement } from './sql-client.js';

/** The channel SqlEventStore notifies on after its appends commit (payload: empty). */
export const EVENTS_CHANNEL = 'caracal_events';

const DEFAULT_READ_ALL_COUNT = 1_000;
const LOCK_STREAM_ROW = 'SELECT version FROM streams WHERE stream_id = $1 FOR UPDATE';
// The same, and this transaction's commit will not wait for the disk (appendLocked's flushAfterUnlock).
const LOCK_STREAM_ROW_COMMIT_ASYNC = `SELECT version, set_config('synchronous_commit', 'off', true) FROM streams WHERE stream_id = $1 FOR UPDATE`;
const MAX_BIGINT = '9223372036854775807';

// SQLSTATEs raised by caracal_append (schemas/migrations/001_event_store.sql).
const WRONG_EXPECTED_VERSION = 'CE001';
const IDEMPOTENCY_CONFLICT = 'CE002';
/** Raised by the guarded append (GUARDED_APPEND) when the stream is not at the expected version. */
const VERSION_MOVED = 'CE011';
const UNIQUE_VIOLATION = '23505';
const EVENT_ID_CONSTRAINT = 'events_event_id_key';

// data and metadata as their stored text (migration 017: the only copy), parsed here.
const EVENT_COLUMNS = `global_position, transaction_id, stream_id, stream_position, event_id, event_type,
  schema_version, data_text, metadata_text, recorded_at`;
/** appendLocked's read of what other writers appended after the caller's version, under the lock. */
const STREAM_TAIL: Statement = {
  name: 'caracal_stream_tail',
  sql: `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_position > $2::bigint ORDER BY stream_position`,
};

interface EventRow extends Record<string, unknown> {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_position: string;
  event_id: string;
  event_type: string;
  schema_version: number;
  data_text: string;
  metadata_text: string;
  recorded_at: Date;
}

interface AppendRow extends Record<string, unknown> {
  stream_position: string;
  global_position: string;
  transaction_id: string;
  recorded_at: Date;
  replayed?: boolean; // caracal_append only
}

export interface SqlEventStoreOptions {
  /**
   * A commit notification that failed (subscribers then wake at their poll interval). Default:
   * console.warn, except StoreUnavailableError (the database is unreachable), which is dropped.
   */
  onNotifyError?: (error: unknown) => void;
  /**
   * Appends take the single statement where it applies (else caracal_append): default true.
   * false: every append calls caracal_append (same results; a diagnostic for the benchmark).
   */
  singleStatementAppend?: boolean;
  /**
   * Run inside every append's transaction that records events of their types, before the
   * caller's inTransaction step (which may commit). An append with none of their events takes no transaction for them.
   */
  inlineProjections?: readonly InlineProjection[];
  /**
   * Tags every appended event (HMAC under a key the database does not hold): the sealer refuses
   * to seal an event without a valid tag (docs/leaf-format.md). Without it, events are untagged.
   */
  authenticator?: EventAuthenticator;
}

/** The event store over PostgreSQL or PGlite: the same SQL on both. */
export class SqlEventStore implements EventStore {
  private readonly notifier: CommitNotifier;
  private readonly singleStatement: boolean;
  private readonly inlineProjections: readonly InlineProjection[];
  private readonly projectedTypes: ReadonlySet<string>;
  private readonly authenticator: EventAuthenticator | null;
  /** The authenticator with its key's number (event_auth_keys), registered at the first tagged append. */
  private tagging: Promise<EventTagger> | null = null;

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
    this.singleStatement = options.singleStatementAppend ?? true;
    this.inlineProjections = options.inlineProjections ?? [];
    this.projectedTypes = new Set(this.inlineProjections.flatMap((projection) => projection.eventTypes));
    this.authenticator = options.authenticator ?? null;
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const stored = storedEvents(streamId, events, await this.tagger());
    const { inTransaction, commitStatement, expected } = options;
    const projected = this.projects(events);
    if (commitStatement !== undefined && inTransaction === undefined && !projected && this.singleStatement && typeof expected === 'bigint' && expected > 0n) {
      const inOneTrip = await this.appendInOneRoundTrip(streamId, stored, expected, commitStatement);
      if (inOneTrip !== null) {
        this.notifier.committed();
        return inOneTrip;
      }
      // The stream was not at the expected version: the ordinary append below tells a wrong
      // version from an idempotent replay.
    }
    const appended = inTransaction !== undefined || commitStatement !== undefined || projected
      ? await this.client.transaction(async (tx) => {
          const inTx = await appendEvents(tx, streamId, stored, expected, true, this.singleStatement);
          // A replayed append was projected when it first committed: projecting again would double it.
          if (!inTx.replayed) {
            // The caller's steps last: they may carry the COMMIT (SqlExecutor.queryThenCommit).
            await this.projectInline(tx, inTx.recorded);
            await inTransaction?.(tx, inTx.result, inTx.recorded);
            if (commitStatement !== undefined) await queryLast(tx, commitStatement);
          }
          return inTx;
        })
      : await appendEvents(this.client, streamId, stored, expected, false, this.singleStatement);
    // Committed. A replay wrote nothing new (its first attempt announced it).
    if (!appended.replayed) this.notifier.committed();
    return appended.result;
  }

  /**
   * BEGIN, the guarded insert, the caller's statement and COMMIT in one message group: the
   * request path's hold costs one round trip. null when the stream was not at `expected` (the
   * guard raised, nothing committed).
   */
  private async appendInOneRoundTrip(streamId: string, stored: readonly StoredEvent[], expected: bigint, last: SqlStatement): Promise<AppendResult | null> {
    try {
      return await this.client.transaction((tx) => insertThenCommit(tx, streamId, stored, expected, last));
    } catch (error) {
      if ((error as { code?: string }).code === VERSION_MOVED) return null;
      throw error;
    }
  }

  /**
   * What tags this store's events: the authenticator and its key's number, which the database
   * assigns once per key (caracal_event_auth_key, migration 019) and the store keeps. A failed
   * registration is asked again at the next append. null: events are not tagged.
   */
  private tagger(): Promise<EventTagger> | null {
    const authenticator = this.authenticator;
    if (authenticator === null) return null;
    this.tagging ??= this.client
      .query<{ key_no: number }>('SELECT caracal_event_auth_key($1) AS key_no', [authenticator.keyId])
      .then(({ rows }) => ({ authenticator, keyNumber: rows[0].key_no }))
      .catch((error: unknown) => {
        this.tagging = null;
        throw error;
      });
    return this.tagging;
  }

  /** Whether an inline projection takes any of these events (the append then runs it in its transaction). */
  private projects(events: readonly NewEvent[]): boolean {
    return events.some((event) => this.projectedTypes.has(event.type));
  }

  private async projectInline(tx: SqlExecutor, recorded: readonly RecordedEvent[]): Promise<void> {
    for (const projection of this.inlineProjections) {
      const events = recorded.filter((event) => projection.eventTypes.includes(event.type));
      if (events.length > 0) await projection.project(tx, events);
    }
  }

  async appendLocked(streamId: string, options: LockedAppendOptions): Promise<LockedAppendResult | null> {
    const flushAfterUnlock = options.flushAfterUnlock === true && this.client.backend === 'postgres';
    const tagger = await this.tagger(); // before the transaction: it may query the database
    const outcome = await this.client.transaction(async (tx) => {
      const lock: SqlStatement = { sql: flushAfterUnlock ? LOCK_STREAM_ROW_COMMIT_ASYNC : LOCK_STREAM_ROW, params: [streamId] };
      const tailRead: SqlStatement = { sql: STREAM_TAIL.sql, params: [streamId, options.knownVersion.toString()], preparedName: STREAM_TAIL.name };
      // With the tail read in the lock's round trip where the executor can (it runs once the lock
      // is had, and sees what its holder committed); otherwise read only when the version moved.
      const [{ rows }, paired] = tx.queryPair
        ? await tx.queryPair<{ version: string }, EventRow>(lock, tailRead)
        : [await tx.query<{ version: string }>(lock.sql, lock.params), null];
      if (rows.length === 0) return null;
      const version = BigInt(rows[0].version);
      const tail = version <= options.knownVersion
        ? []
        : (paired ?? (await tx.query<EventRow>(tailRead.sql, tailRead.params, tailRead.preparedName))).rows.map(toRecordedEvent);
      const events = options.decide(tail);
      if (events.length === 0) return { tail, appended: null };
      const stored = storedEvents(streamId, events, tagger);
      const last = options.commitStatement?.(events);
      const projected = this.projects(events);
      if (last !== undefined && options.inTransaction === undefined && !projected && this.singleStatement && tx.queryPairThenCommit) {
        return { tail, appended: await insertThenCommit(tx, streamId, stored, version, last) };
      }
      // The row is locked by this transaction: the exact version holds, nobody can move it.
      const inTx = await appendEvents(tx, streamId, stored, version, true, this.singleStatement);
      await this.projectInline(tx, inTx.recorded);
      await options.inTransaction?.(tx, inTx.result, inTx.recorded);
      if (last !== undefined) await queryLast(tx, last);
      return { tail, appended: inTx.result };
    });
    if (outcome?.appended) {
      // Any transaction that commits synchronously flushes the log up to its own commit record,
      // past this one's: taking a transaction id makes this one write a commit record.
      if (flushAfterUnlock) await this.client.query('SELECT pg_current_xact_id()');
      this.notifier.committed();
    }
    return outcome;
  }

  async appendToStreams(appends: readonly StreamAppend[], options: MultiStreamAppendOptions = {}): Promise<StreamAppendOutcome[]> {
    assertDistinctExistingStreams(appends);
    const tagger = await this.tagger();
    const stored = appends.map((entry) => storedEvents(entry.streamId, entry.events, tagger));
    const { inTransaction, commitStatement } = options;
    const inOneTrip = commitStatement !== undefined && inTransaction === undefined && this.singleStatement && !appends.some((entry) => this.projects(entry.events))
      ? await this.appendToStreamsInOneRoundTrip(appends, stored, commitStatement(appends.map(() => true)))
      : null;
    // Otherwise, or when a stream was not at its expected version (the one trip committed
    // nothing): the ordinary statement commits the other streams and reports that one.
    const appended = inOneTrip ?? await this.client.transaction(async (tx) => {
      const { rows } = await tx.query<MultiStreamAppendRow>(MULTI_STREAM_APPEND.sql, multiStreamParams(appends, stored), MULTI_STREAM_APPEND.name);
      const results = appendedByStream(appends, stored, rows);
      const recorded = results.flatMap((result) => result?.recorded ?? []);
      if (recorded.length > 0) {
        await this.projectInline(tx, recorded);
        await inTransaction?.(tx, results.map((result) => result?.recorded ?? null));
        if (commitStatement !== undefined) await queryLast(tx, commitStatement(results.map((result) => result !== null)));
      }
      return results;
    });
    if (appended.some((result) => result !== null)) this.notifier.committed();
    const moved = appends.filter((_, index) => appended[index] === null).map((entry) => entry.streamId);
    const versions = moved.length === 0 ? new Map<string, bigint>() : await this.streamVersions(moved);
    return appended.map((result, index): StreamAppendOutcome => {
      if (result !== null) return { ok: true, result: result.result, events: result.recorded };
      const { streamId, expectedVersion } = appends[index];
      return { ok: false, error: new WrongExpectedVersionError(streamId, expectedVersion.toString(), versions.get(streamId) ?? 0n) };
    });
  }

  /**
   * The guarded multi-stream insert, `last` and COMMIT in one message group (one round trip on
   * PostgreSQL). null when a stream was not at its expected version (the guard raised, nothing
   * committed).
   */
  private async appendToStreamsInOneRoundTrip(appends: readonly StreamAppend[], stored: readonly StoredEvent[][], last: SqlStatement): Promise<(Appended | null)[] | null> {
    try {
      return await this.client.transaction(async (tx) => {
        const insert: SqlStatement = { sql: GUARDED_MULTI_STREAM_APPEND.sql, params: multiStreamParams(appends, stored), preparedName: GUARDED_MULTI_STREAM_APPEND.name };
        return appendedByStream(appends, stored, await insertThenLast<MultiStreamAppendRow>(tx, insert, last));
      });
    } catch (error) {
      if ((error as { code?: string }).code === VERSION_MOVED) return null;
      throw error;
    }
  }

  private async streamVersions(streamIds: readonly string[]): Promise<Map<string, bigint>> {
    const { rows } = await this.client.query<{ stream_id: string; version: string }>(
      'SELECT stream_id, version FROM streams WHERE stream_id = ANY($1::text[])',
      [streamIds],
    );
    return new Map(rows.map((row) => [row.stream_id, BigInt(row.version)]));
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

  /**
   * The page readAll would return, but the payload and details of events of other types stay in
   * the database: a projection of charges skips the holds (half the log) for little more than
   * their positions.
   */
  async readAllOfTypes(options: ReadAllOfTypesOptions): Promise<EventPage> {
    const { rows } = await this.client.query<EventRow & { wanted: boolean }>(
      `SELECT global_position, transaction_id, event_type, wanted,
              CASE WHEN wanted THEN stream_id END AS stream_id, CASE WHEN wanted THEN stream_position END AS stream_position,
              CASE WHEN wanted THEN event_id END AS event_id, CASE WHEN wanted THEN schema_version END AS schema_version,
              CASE WHEN wanted THEN data_text END AS data_text, CASE WHEN wanted THEN metadata_text END AS metadata_text,
              CASE WHEN wanted THEN recorded_at END AS recorded_at
         FROM (SELECT *, event_type = ANY($4::text[]) AS wanted FROM events
                WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                  AND (transaction_id, global_position) > ($1::xid8, $2::bigint)
                ORDER BY transaction_id, global_position
                LIMIT $3) page
        ORDER BY transaction_id, global_position`,
      [...checkpointParams(options.after), options.maxCount ?? DEFAULT_READ_ALL_COUNT, options.types],
    );
    if (rows.length === 0) return { events: [], scanned: 0, end: options.after };
    const last = rows[rows.length - 1];
    return {
      events: rows.filter((row) => row.wanted).map(toRecordedEvent),
      scanned: rows.length,
      end: { transactionId: BigInt(last.transaction_id), globalPosition: BigInt(last.global_position) },
    };
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

  /**
   * Whether committed events after the checkpoint exist that the gap-free read does not return
   * yet, because an older transaction somewhere in the cluster is still open. Readers poll
   * eagerly while this holds instead of waiting a whole poll interval.
   */
  async hasHeldBackEvents(after: GlobalCheckpoint): Promise<boolean> {
    // Not EXISTS: PostgreSQL drops the ORDER BY and LIMIT inside one, and then, expecting many
    // rows past the checkpoint, scans the whole log (4 ms a call at 30,000 events, growing with
    // history). In index order the scan starts at the checkpoint, and a caller that has just read
    // everything below xmin finds its answer in the first rows it reaches.
    const { rows } = await this.client.query(
      `SELECT 1 FROM events
        WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())
          AND (transaction_id, global_position) > ($1::xid8, $2::bigint)
        ORDER BY transaction_id, global_position
        LIMIT 1`,
      checkpointParams(after),
    );
    return rows.length > 0;
  }

  subscribeAll(handler: (events: readonly RecordedEvent[]) => Promise<void>, options: SubscribeOptions): Subscription {
    return new GlobalSubscription(
      {
        readAll: (readOptions) => this.readAll(readOptions),
        hasHeldBackEvents: (after) => this.hasHeldBackEvents(after),
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

/**
 * Single-statement appends, sent from the client (docs/event-store.md, "Append"): lock and bump
 * the stream row and insert the events in one writable-CTE statement, events as typed arrays
 * (one event: plain parameters).
 * The stream statement returns no row when the expected state does not hold (or for a new stream
 * under 'stream_exists'), so nothing is inserted: the append then takes caracal_append, which
 * decides between wrong version, idempotent replay and conflict exactly as before.
 * $1 stream, $2 event count, $3 expected version (exact; NULL for the others, which test it only
 * so that every statement takes the same parameters), $4..$10 the events' columns.
 */
// The events: one row per event, ord = 1.. in stream order. Several events as typed arrays; one
// event (the common case) as plain parameters of the same positions, which spares encoding and
// decoding arrays on both sides.
// data and metadata go as their stored text (the only copy: migration 017), the tag's key as
// its number in event_auth_keys and the tag as bytes (migration 019: a Buffer goes binary).
const MANY_EVENTS = `unnest($4::uuid[], $5::text[], $6::integer[], ${splitTextList('$7')}, ${splitTextList('$8')}, $9::integer[], $10::bytea[])
          WITH ORDINALITY AS e(event_id, event_type, schema_version, data_text, metadata_text, auth_key, auth_tag, ord)`;
const ONE_EVENT = `(VALUES ($4::uuid, $5::text, $6::integer, $7::text, $8::text, $9::integer, $10::bytea, 1::bigint))
          AS e(event_id, event_type, schema_version, data_text, metadata_text, auth_key, auth_tag, ord)`;

const insertEvents = (source: string): string => `
INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text, metadata_text, auth_key, auth_tag)
SELECT $1, s.base + e.ord, e.event_id, e.event_type, e.schema_version, e.data_text, e.metadata_text, e.auth_key, e.auth_tag
  FROM s, ${source}
 ORDER BY e.ord
RETURNING stream_position, global_position, transaction_id, recorded_at`;

type FastExpected = 'exact' | 'no_stream' | 'any' | 'stream_exists';

// The stream statement of each: returns the version before the append (base), or no row.
const LOCK_STREAM: Record<FastExpected, string> = {
  // The row lock is taken by the UPDATE; under READ COMMITTED an UPDATE that waited for another
  // append re-checks "version = $3" against the committed row, so a retry of an append still in
  // flight finds the version moved and falls back (then replays).
  exact: `UPDATE streams SET version = version + $2::bigint, updated_at = now()
   WHERE stream_id = $1 AND version = $3::bigint
  RETURNING version - $2::bigint AS base`,
  // A stream that exists (or is being created by an append in flight: waited for) is a conflict:
  // DO NOTHING, no row, fall back.
  no_stream: `INSERT INTO streams (stream_id, version) SELECT $1, $2::bigint WHERE $3::bigint IS NULL
  ON CONFLICT (stream_id) DO NOTHING
  RETURNING 0::bigint AS base`,
  any: `INSERT INTO streams AS t (stream_id, version) SELECT $1, $2::bigint WHERE $3::bigint IS NULL
  ON CONFLICT (stream_id) DO UPDATE SET version = t.version + excluded.version, updated_at = now()
  RETURNING t.version - $2::bigint AS base`,
  stream_exists: `UPDATE streams SET version = version + $2::bigint, updated_at = now()
   WHERE stream_id = $1 AND version > 0 AND $3::bigint IS NULL
  RETURNING version - $2::bigint AS base`,
};

interface Statement {
  name: string;
  sql: string;
}

const fastStatement = (expected: FastExpected, many: boolean): Statement => ({
  name: `caracal_append_${expected}_${many ? 'many' : 'one'}`,
  sql: `WITH s AS (\n  ${LOCK_STREAM[expected]})${insertEvents(many ? MANY_EVENTS : ONE_EVENT)}`,
});

const FAST_APPEND = Object.fromEntries(
  (Object.keys(LOCK_STREAM) as FastExpected[]).map((expected) => [
    expected,
    { one: fastStatement(expected, false), many: fastStatement(expected, true) },
  ]),
) as Record<FastExpected, { one: Statement; many: Statement }>;

/**
 * The exact-version statement for appendInOneRoundTrip: the statements after it are already sent,
 * so instead of returning no row when the version moved it raises CE011
 * (schemas/migrations/018_one_round_trip_hold.sql: the guard runs only when there is no base).
 */
const guardedStatement = (many: boolean): Statement => ({
  name: `caracal_append_guarded_${many ? 'many' : 'one'}`,
  sql: `WITH bumped AS (
  ${LOCK_STREAM.exact}
), s AS (
  SELECT coalesce((SELECT base FROM bumped), caracal_append_version_moved($1, $3::bigint)) AS base
)${insertEvents(many ? MANY_EVENTS : ONE_EVENT)}`,
});

const GUARDED_APPEND = { one: guardedStatement(false), many: guardedStatement(true) };

const FUNCTION_APPEND = {
  name: 'caracal_append',
  sql: `SELECT * FROM caracal_append($1, $2, $3::bigint, $4::uuid[], $5::text[], $6::integer[], ${splitTextList('$7')}, ${splitTextList('$8')}, $9::integer[], $10::bytea[])`,
};

/**
 * caracal_append for one event (the common case): its columns as plain parameters made
 * one-element arrays in SQL, as the single statement's ONE_EVENT does: no array literal built by
 * the client and parsed by the server, no text list split.
 */
const FUNCTION_APPEND_ONE = {
  name: 'caracal_append_one',
  sql: `SELECT * FROM caracal_append($1, $2, $3::bigint, ARRAY[$4::uuid], ARRAY[$5::text], ARRAY[$6::integer], ARRAY[$7::text], ARRAY[$8::text], ARRAY[$9::integer], ARRAY[$10::bytea])`,
};

/**
 * appendToStreams' statement: bumps every stream whose version is the expected one and inserts
 * the events of those streams, in the order given. Rows are locked in stream id order (the
 * caller's order, sorted), so two such statements do not deadlock on each other.
 * Unguarded, a stream whose version moved matches no row, so none of its events is inserted and
 * the caller reports it. Guarded (appendToStreamsInOneRoundTrip: the statements after it are
 * already sent), such a stream raises CE011 instead, as the one-stream guarded insert does, and
 * nothing commits: every stream has at least one event, so the insert reads every stream's base.
 * $1..$3 per stream: id, event count, expected version; $4.. per event: its stream, its place
 * in the stream's append (1..), and its columns.
 */
const multiStreamStatement = (guarded: boolean): Statement => ({
  name: guarded ? 'caracal_append_streams_guarded' : 'caracal_append_streams',
  sql: `WITH m AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS m(stream_id, n, expected)
), locked AS (
  SELECT t.stream_id FROM streams t JOIN m ON m.stream_id = t.stream_id
   ORDER BY t.stream_id
     FOR UPDATE OF t
), bumped AS (
  UPDATE streams t SET version = t.version + m.n, updated_at = now()
    FROM m
   WHERE t.stream_id = m.stream_id AND t.version = m.expected
     AND t.stream_id IN (SELECT stream_id FROM locked)
  RETURNING t.stream_id, t.version - m.n AS base
), s AS (
  ${guarded
    ? 'SELECT m.stream_id, coalesce((SELECT b.base FROM bumped b WHERE b.stream_id = m.stream_id), caracal_append_version_moved(m.stream_id, m.expected)) AS base FROM m'
    : 'SELECT stream_id, base FROM bumped'}
)
INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text, metadata_text, auth_key, auth_tag)
SELECT e.stream_id, s.base + e.ord, e.event_id, e.event_type, e.schema_version, e.data_text, e.metadata_text, e.auth_key, e.auth_tag
  FROM unnest($4::text[], $5::bigint[], $6::uuid[], $7::text[], $8::integer[], ${splitTextList('$9')}, ${splitTextList('$10')}, $11::integer[], $12::bytea[])
       WITH ORDINALITY AS e(stream_id, ord, event_id, event_type, schema_version, data_text, metadata_text, auth_key, auth_tag, i)
  JOIN s ON s.stream_id = e.stream_id
 ORDER BY e.i
RETURNING stream_id, stream_position, global_position, transaction_id, recorded_at`,
});

const MULTI_STREAM_APPEND = multiStreamStatement(false);
const GUARDED_MULTI_STREAM_APPEND = multiStreamStatement(true);

interface MultiStreamAppendRow extends AppendRow {
  stream_id: string;
}

function multiStreamParams(appends: readonly StreamAppend[], stored: readonly StoredEvent[][]): unknown[] {
  const eventStreams: string[] = [];
  const ords: number[] = [];
  for (const [index, entry] of appends.entries()) {
    for (let ord = 1; ord <= stored[index].length; ord += 1) {
      eventStreams.push(entry.streamId);
      ords.push(ord);
    }
  }
  return [
    appends.map((entry) => entry.streamId),
    appends.map((entry) => entry.events.length),
    appends.map((entry) => entry.expectedVersion.toString()),
    eventStreams,
    ords,
    ...eventColumns(stored.flat()),
  ];
}

/** Each stream's appended events from the multi-stream insert's rows; null for a stream that has none (its version moved). */
function appendedByStream(appends: readonly StreamAppend[], stored: readonly StoredEvent[][], rows: readonly MultiStreamAppendRow[]): (Appended | null)[] {
  const rowsByStream = new Map<string, MultiStreamAppendRow[]>();
  for (const row of rows) {
    const streamRows = rowsByStream.get(row.stream_id);
    if (streamRows === undefined) rowsByStream.set(row.stream_id, [row]);
    else streamRows.push(row);
  }
  return appends.map((entry, index) => {
    const streamRows = rowsByStream.get(entry.streamId);
    return streamRows === undefined ? null : toAppended(entry.streamId, stored[index], streamRows, false);
  });
}

function assertDistinctExistingStreams(appends: readonly StreamAppend[]): void {
  if (appends.length === 0) throw new RangeError('appendToStreams needs at least one stream');
  if (new Set(appends.map((entry) => entry.streamId)).size !== appends.length) throw new RangeError('appendToStreams has the same stream twice');
  for (const entry of appends) {
    if (entry.expectedVersion <= 0n) throw new RangeError(`appendToStreams: stream ${entry.streamId} needs an exact version > 0 (a new stream is appended alone)`);
    if (entry.events.length === 0) throw new RangeError(`appendToStreams: stream ${entry.streamId} has no events to append`);
  }
}

/**
 * Which single statement an append may take. 'any' and 'stream_exists' can be idempotent retries
 * that pass the check: the statement then fails on the event-id unique key, and only outside a
 * caller's transaction can the store run caracal_append after that failure (inside one, the
 * failed statement has aborted the transaction), so there they go to the function directly.
 * Exact and no_stream retries never pass the check; a stored id found by the statement is a
 * conflict either way (see appendEvents).
 */
function fastPathOf(expected: ExpectedState, inCallerTransaction: boolean): FastExpected | null {
  if (typeof expected === 'bigint') return expected === 0n ? 'no_stream' : 'exact';
  if (expected === 'no_stream') return 'no_stream';
  return inCallerTransaction ? null : expected;
}

/** The caller's statement as its transaction's last, sent with the COMMIT where the executor can. */
async function queryLast(tx: SqlExecutor, { sql, params, preparedName }: SqlStatement): Promise<void> {
  await (tx.queryThenCommit ? tx.queryThenCommit(sql, params, preparedName) : tx.query(sql, params, preparedName));
}

/** `insert`, then `last` and COMMIT: one round trip where the executor groups them. The insert's rows. */
async function insertThenLast<R extends Record<string, unknown>>(tx: SqlExecutor, insert: SqlStatement, last: SqlStatement): Promise<R[]> {
  if (tx.queryPairThenCommit) return (await tx.queryPairThenCommit<R>(insert, last))[0].rows;
  const { rows } = await tx.query<R>(insert.sql, insert.params, insert.preparedName);
  await queryLast(tx, last);
  return rows;
}

/**
 * The guarded insert at `expected`, then `last`, then COMMIT: one round trip where the executor
 * groups them (queryPairThenCommit). A stream not at `expected` raises VERSION_MOVED in the
 * insert, so `last` does not run and nothing commits.
 */
async function insertThenCommit(tx: SqlExecutor, streamId: string, stored: readonly StoredEvent[], expected: bigint, last: SqlStatement): Promise<AppendResult> {
  const statement = stored.length === 1 ? GUARDED_APPEND.one : GUARDED_APPEND.many;
  const insert: SqlStatement = { sql: statement.sql, params: fastParams(streamId, stored, expected), preparedName: statement.name };
  try {
    const rows = await insertThenLast<AppendRow>(tx, insert, last);
    // Only the result: nothing on this path projects the recorded events, and building them (a
    // copy of each event, three BigInts) was ~2% of a gateway's CPU (docs/benchmarks.md, issue 9).
    return appendResultOf(inStreamOrder(rows));
  } catch (error) {
    throw toAppendError(error, streamId, stored, expected);
  }
}

/**
 * One round trip on the happy path: the single statement (fastPathOf), else caracal_append,
 * which locks the stream, checks, inserts and bumps the version.
 */
async function appendEvents(
  executor: SqlExecutor,
  streamId: string,
  events: readonly StoredEvent[],
  expected: ExpectedState,
  inCallerTransaction: boolean,
  singleStatement: boolean,
): Promise<Appended> {
  const fast = singleStatement ? fastPathOf(expected, inCallerTransaction) : null;
  if (fast !== null) {
    const statement = events.length === 1 ? FAST_APPEND[fast].one : FAST_APPEND[fast].many;
    let rows: AppendRow[] | null;
    try {
      ({ rows } = await executor.query<AppendRow>(statement.sql, fastParams(streamId, events, expected), statement.name));
    } catch (error) {
      // An event id already stored (and the stream at the expected state): the statement rolled
      // back. In a caller's transaction that transaction is aborted: IdempotencyConflictError,
      // which is what caracal_append raises for exact/no_stream here too (any stored id is a
      // partial match, another stream or other positions). Otherwise caracal_append decides.
      if (!isEventIdViolation(error) || inCallerTransaction) throw toAppendError(error, streamId, events, expected);
      rows = null;
    }
    // One row per event, or none (the expected state did not hold: nothing was written).
    if (rows !== null && rows.length > 0) return toAppended(streamId, events, rows, false);
  }
  return appendWithFunction(executor, streamId, events, expected);
}

async function appendWithFunction(
  executor: SqlExecutor,
  streamId: string,
  events: readonly StoredEvent[],
  expected: ExpectedState,
): Promise<Appended> {
  const exact = typeof expected === 'bigint';
  const statement = events.length === 1 ? FUNCTION_APPEND_ONE : FUNCTION_APPEND;
  const columns = events.length === 1 ? oneEventColumns(events[0]) : eventColumns(events);
  let rows: AppendRow[];
  try {
    ({ rows } = await executor.query<AppendRow>(
      statement.sql,
      [streamId, exact ? 'exact' : expected, exact ? expected.toString() : null, ...columns],
      statement.name,
    ));
  } catch (error) {
    throw toAppendError(error, streamId, events, expected);
  }
  return toAppended(streamId, events, rows, rows[0].replayed === true);
}

function fastParams(streamId: string, events: readonly StoredEvent[], expected: ExpectedState): unknown[] {
  const version = typeof expected === 'bigint' && expected !== 0n ? expected.toString() : null;
  const count = events.length;
  if (count === 1) return [streamId, 1, version, ...oneEventColumns(events[0])];
  return [streamId, count, version, ...eventColumns(events)];
}

/** One event's columns as plain parameters (the one-event statements: ONE_EVENT, FUNCTION_APPEND_ONE). */
function oneEventColumns({ event, dataText, metadataText, authKey, authTag }: StoredEvent): unknown[] {
  return [event.eventId, event.type, event.schemaVersion, dataText, metadataText, authKey, authTag];
}

/** The events' columns in stream order (the multi-event statements' and caracal_append's parameters): arrays, data and metadata as text lists. */
function eventColumns(events: readonly StoredEvent[]): unknown[] {
  const count = events.length;
  const ids = new Array<string>(count);
  const types = new Array<string>(count);
  const schemaVersions = new Array<number>(count);
  const data = new Array<string | null>(count);
  const metadata = new Array<string>(count);
  const keys = new Array<number | null>(count);
  const tags = new Array<Buffer | null>(count);
  for (let index = 0; index < count; index += 1) {
    const stored = events[index];
    ids[index] = stored.event.eventId;
    types[index] = stored.event.type;
    schemaVersions[index] = stored.event.schemaVersion;
    data[index] = stored.dataText;
    metadata[index] = stored.metadataText;
    keys[index] = stored.authKey;
    tags[index] = stored.authTag;
  }
  return [ids, types, schemaVersions, joinTextList(data), joinTextList(metadata), keys, tags];
}

/** An event with the text the events table stores for it and its tag. */
interface StoredEvent {
  event: NewEvent;
  /** RFC 8785 text of data; null when data is absent (the NOT NULL column refuses it). */
  dataText: string | null;
  /** RFC 8785 text of metadata ('{}' when absent). */
  metadataText: string;
  /** The tag's key: its number in event_auth_keys (migration 019). */
  authKey: number | null;
  /** HMAC-SHA256, 32 bytes. */
  authTag: Buffer | null;
}

/** The store's authenticator and its key's number in event_auth_keys. */
interface EventTagger {
  authenticator: EventAuthenticator;
  keyNumber: number;
}

/**
 * Checks the events (before anything is sent) and serialises data and metadata once, as RFC 8785
 * text: the bytes their Merkle leaves will hash and their tag covers (docs/leaf-format.md).
 */
function storedEvents(streamId: string, events: readonly NewEvent[], tagger: EventTagger | null): StoredEvent[] {
  assertAppendable(events);
  return events.map((event) => {
    const dataText = event.data === undefined ? null : canonicalText(event.data, '');
    const metadataText = event.metadata === undefined ? '{}' : canonicalText(event.metadata, 'eventMetadata');
    if (tagger === null || dataText === null) return { event, dataText, metadataText, authKey: null, authTag: null };
    const text = eventAuthenticationText({
      eventId: event.eventId, eventType: event.type, schemaVersion: event.schemaVersion, streamId, dataText, metadataText,
    });
    return { event, dataText, metadataText, authKey: tagger.keyNumber, authTag: tagger.authenticator.tag(text) };
  });
}

/** RFC 8785 text; JSON that has none (floats, unsafe integers) is refused naming the field. */
function canonicalText(value: unknown, root: string): string {
  try {
    return canonicalize(value);
  } catch (error) {
    if (!(error instanceof CanonicalJsonError)) throw error;
    const field = [root, error.path.replace(/^\$/, '').replace(/\["?([^"\]]*)"?\]/g, '.$1').replace(/^\./, '')].filter(Boolean).join('.');
    throw new UnstorableTextError(field || root || 'data', `cannot be stored: ${error.reason.replaceAll('_', ' ')} (events hold strings and safe integers only)`);
  }
}

function toAppended(
  streamId: string,
  stored: readonly StoredEvent[],
  rows: readonly AppendRow[],
  replayed: boolean,
): Appended {
  const ordered = inStreamOrder(rows);
  const recorded = ordered.map((row, index): RecordedEvent => ({
    ...stored[index].event,
    streamId,
    streamPosition: BigInt(row.stream_position),
    globalPosition: BigInt(row.global_position),
    transactionId: BigInt(row.transaction_id),
    recordedAt: row.recorded_at,
  }));
  return { result: appendResultOf(ordered), recorded, replayed };
}

// Both paths return the rows in stream order (the single statement inserts in that order; a
// multi-event RETURNING is sorted here to not depend on it).
function inStreamOrder(rows: readonly AppendRow[]): readonly AppendRow[] {
  return rows.length > 1 ? [...rows].sort((a, b) => compareBigintText(a.stream_position, b.stream_position)) : rows;
}

function appendResultOf(ordered: readonly AppendRow[]): AppendResult {
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  return {
    nextExpectedVersion: BigInt(last.stream_position),
    firstGlobalPosition: BigInt(first.global_position),
    lastGlobalPosition: BigInt(last.global_position),
    transactionId: BigInt(first.transaction_id),
  };
}

function compareBigintText(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function isEventIdViolation(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === UNIQUE_VIOLATION && constraint === EVENT_ID_CONSTRAINT;
}

function assertAppendable(events: readonly NewEvent[]): void {
  if (events.length === 0) throw new RangeError('append needs at least one event');
  const ids = new Set(events.map((event) => event.eventId.toLowerCase()));
  if (ids.size !== events.length) throw new RangeError('append has the same event id twice');
  // Before anything is sent: text jsonb cannot store would otherwise fail mid-transaction.
  for (const event of events) {
    const found = findUnstorableText(event.data, '') ?? findUnstorableText(event.metadata, 'eventMetadata');
    if (found) throw new UnstorableTextError(found.field, found.problem);
  }
}

function toAppendError(error: unknown, streamId: string, stored: readonly StoredEvent[], expected: ExpectedState): unknown {
  const events = stored.map((entry) => entry.event);
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
    data: JSON.parse(row.data_text) as Record<string, unknown>,
    metadata: JSON.parse(row.metadata_text) as Record<string, unknown>,
    streamId: row.stream_id,
    streamPosition: BigInt(row.stream_position),
    globalPosition: BigInt(row.global_position),
    transactionId: BigInt(row.transaction_id),
    recordedAt: row.recorded_at,
  };
}
