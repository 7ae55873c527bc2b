import type { SqlExecutor, SqlStatement } from './sql-client.js';
import type { WrongExpectedVersionError } from './event-store.errors.js';

/** What the writer expects the stream to be before its append. A bigint is an exact version. */
export type ExpectedState = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  actor?: string;
  [key: string]: unknown;
}

export interface NewEvent {
  eventId: string; // uuid, unique across the log; the idempotency key of a retried append
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>; // JSON: strings, integers, booleans, null, objects, arrays
  metadata: EventMetadata;
}

export interface RecordedEvent extends NewEvent {
  streamId: string;
  streamPosition: bigint; // 1-based
  globalPosition: bigint;
  transactionId: bigint; // xid8 of the appending transaction
  recordedAt: Date;
}

export interface AppendResult {
  /** The stream's version after the append (= stream position of the last event). */
  nextExpectedVersion: bigint;
  firstGlobalPosition: bigint;
  lastGlobalPosition: bigint;
  transactionId: bigint;
}

export interface AppendOptions {
  expected: ExpectedState;
  /**
   * Runs inside the append's transaction after the events are inserted, so an inline
   * projection commits (or fails) together with the events. It is the transaction's last step
   * (after the store's inline projections): its last statement may carry the COMMIT
   * (SqlExecutor.queryThenCommit).
   */
  inTransaction?: (tx: SqlExecutor, result: AppendResult, events: readonly RecordedEvent[]) => Promise<void>;
  /**
   * The caller's last statement in the append's transaction, after the events (and after
   * inTransaction), sent with the COMMIT. For an exact expected version on PostgreSQL, without
   * inTransaction or inline projections, the insert, this statement and the COMMIT go in one
   * round trip (SqlExecutor.queryPairThenCommit). Not run for an idempotent replay. What it
   * raises is thrown as the database reported it (its SQLSTATE is the caller's to read).
   */
  commitStatement?: SqlStatement;
}

/**
 * A read model kept in step with the log inside each append's transaction (an inline projection,
 * as Emmett names it): the store runs it on the appended events of its types, so the read model
 * commits (or fails) with them. Given to the store at construction, so the code that appends
 * does not know which read models exist.
 */
export interface InlineProjection {
  eventTypes: readonly string[];
  project(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void>;
}

export interface LockedAppendOptions {
  /** The stream version the caller's state is at: later events are read under the lock. */
  knownVersion: bigint;
  /**
   * Called once, under the stream's lock, with the events other writers appended after
   * knownVersion: returns the events to append (none: nothing is written). Throwing rolls back.
   */
  decide(tail: readonly RecordedEvent[]): readonly NewEvent[];
  /** As AppendOptions.inTransaction; runs only when events were appended. */
  inTransaction?: AppendOptions['inTransaction'];
  /**
   * As AppendOptions.commitStatement, made from the events decide returned; runs only when
   * events were appended, after inTransaction. On PostgreSQL without inline projections for the
   * events, the insert, this statement and the COMMIT go in one round trip: the stream's lock is
   * held for the lock statement's trip (and the tail's, if any) and this one.
   */
  commitStatement?: (events: readonly NewEvent[]) => SqlStatement;
  /**
   * Release the stream's lock before the commit is on disk, and resolve only once it is (on
   * PostgreSQL: an asynchronous commit, then a synchronous one that flushes the log past it).
   * Writers queued on the stream then go on while the disk flushes, and several flushes are
   * shared; the caller still learns of the append only when it is durable. Other writers may
   * see the events a moment before they are durable: whatever they commit afterwards is
   * flushed with them (the log is flushed in order).
   */
  flushAfterUnlock?: boolean;
}

/** One stream's part of a multi-stream append (EventStore.appendToStreams). */
export interface StreamAppend {
  streamId: string;
  events: readonly NewEvent[];
  /** The stream's version as the writer knows it; > 0 (the stream exists). */
  expectedVersion: bigint;
}

/** Per stream: appended, or its version had moved and nothing of it was written. */
export type StreamAppendOutcome =
  | { ok: true; result: AppendResult; events: readonly RecordedEvent[] }
  | { ok: false; error: WrongExpectedVersionError };

export interface MultiStreamAppendOptions {
  /**
   * Runs inside the transaction after the events are inserted, with each stream's recorded
   * events (null for a stream whose version had moved); not called when nothing was appended.
   * Throwing rolls back every stream's events. As AppendOptions.inTransaction, the last step.
   */
  inTransaction?: (tx: SqlExecutor, appended: readonly (readonly RecordedEvent[] | null)[]) => Promise<void>;
  /**
   * The transaction's last statement, made for the streams it commits (true at each stream's
   * index whose events were inserted); runs only when some were, after inTransaction. As
   * AppendOptions.commitStatement: on PostgreSQL without inline projections for the events and
   * with every stream at its expected version, the insert, this statement and the COMMIT go in
   * one round trip; when a version moved, the streams are appended again the ordinary way.
   */
  commitStatement?: (committed: readonly boolean[]) => SqlStatement;
}

export interface LockedAppendResult {
  /** What other writers appended after knownVersion, read under the lock and given to decide. */
  tail: RecordedEvent[];
  /** null when decide returned no events. */
  appended: AppendResult | null;
}

/** A global-log checkpoint: (transaction id, global position) of the last event handled. */
export interface GlobalCheckpoint {
  transactionId: bigint;
  globalPosition: bigint;
}

export const START_OF_LOG: GlobalCheckpoint = { transactionId: 0n, globalPosition: 0n };

export interface ReadStreamOptions {
  direction?: 'forward' | 'backward';
  /** forward: first version to return (default 1); backward: last version (default: the end). */
  fromVersion?: bigint;
  maxCount?: number;
}

export interface ReadAllOptions {
  after: GlobalCheckpoint;
  maxCount?: number;
}

export interface ReadAllOfTypesOptions extends ReadAllOptions {
  /** The event types wanted; the others are read past but never sent. */
  types: readonly string[];
}

/** A filtered page of the global log: what matched, and how far the read went. */
export interface EventPage {
  /** The events of the requested types, in log order. */
  events: RecordedEvent[];
  /** How many events the read went past, matching or not (at most maxCount; 0 at the head). */
  scanned: number;
  /** Checkpoint of the last event read past: the reader's next `after` (`after` itself when scanned is 0). */
  end: GlobalCheckpoint;
}

export interface Subscription {
  /** Stops after the batch in hand; resolves when stopped. */
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  from: GlobalCheckpoint;
  batchSize?: number;
  /** Backstop poll when no NOTIFY arrives. */
  pollIntervalMs?: number;
  onError?: (error: unknown) => void;
}

export interface AggregateSnapshot {
  streamId: string;
  version: bigint;
  snapshotType: string;
  state: unknown; // JSON
}

export interface EventStore {
  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /**
   * Pessimistic append for a contended stream: locks the stream's row, reads what others appended
   * since the caller's version, lets the caller decide on that, and appends at the version the
   * stream is at, in one transaction. Concurrent writers wait for the lock instead of losing a
   * version check and redoing their work. null when the stream does not exist yet (nothing to
   * lock: append with 'no_stream' instead).
   */
  appendLocked(streamId: string, options: LockedAppendOptions): Promise<LockedAppendResult | null>;
  /**
   * Group commit across streams: appends to several existing streams at exact versions in ONE
   * transaction (one statement on PostgreSQL). A stream whose version moved is left out, and
   * reported as WrongExpectedVersionError, while the others commit; anything else that fails
   * (an event id already stored, the hook throwing) rolls back all of them.
   */
  appendToStreams(appends: readonly StreamAppend[], options?: MultiStreamAppendOptions): Promise<StreamAppendOutcome[]>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Stream version, or 0n when the stream does not exist. */
  streamVersion(streamId: string): Promise<bigint>;
  /** Committed events after the checkpoint that readAll still holds back (an older transaction is open). */
  hasHeldBackEvents(after: GlobalCheckpoint): Promise<boolean>;
  /** Gap-free: never returns an event while an earlier-committing transaction may still add one before it. */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * readAll for a consumer of a few event types: the same gap-free page of up to maxCount
   * events, of which only the matching ones come back with their payload.
   */
  readAllOfTypes(options: ReadAllOfTypesOptions): Promise<EventPage>;
  /** Checkpoint of the last event readAll can return now (START_OF_LOG when there is none). */
  headCheckpoint(): Promise<GlobalCheckpoint>;
  /** How many events readAll would still return after this checkpoint (consumer lag). */
  countEventsAfter(after: GlobalCheckpoint): Promise<bigint>;
  /** Catch-up then live; handler batches are delivered in order, one at a time. */
  subscribeAll(
    handler: (events: readonly RecordedEvent[]) => Promise<void>,
    options: SubscribeOptions,
  ): Subscription;
  saveSnapshot(snapshot: AggregateSnapshot): Promise<void>;
  loadSnapshot(streamId: string, snapshotType: string): Promise<AggregateSnapshot | null>;
}
