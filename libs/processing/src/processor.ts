import type { RecordedEvent, SqlExecutor } from '@caracal/event-store';

/**
 * A checkpointed consumer of the global log (a projection, a relay). The runner reads the log
 * from the processor's checkpoint and calls apply with a batch inside a transaction that also
 * moves the checkpoint: the read-model changes and the checkpoint commit together or not at all.
 */
export interface Processor {
  /** Stable name: the runbook's consumer-group name, e.g. `ledger-writer-group`. */
  readonly name: string;
  /**
   * Bump to rebuild: (name, version) is the checkpoint key, so a new version starts from the
   * beginning of the log beside the old one. Give it its own tables (docs/processing.md).
   */
  readonly version: number;
  /**
   * The event types apply acts on. The runner then reads only their payloads and moves the
   * checkpoint past the other events unseen; apply may still be given others (a shared read),
   * and must ignore them. Absent: every event.
   */
  readonly eventTypes?: readonly string[];
  /**
   * Applies events in log order, using only tx for its writes. Must be idempotent per event:
   * a batch is never applied twice (it commits with the checkpoint), but a DLQ retry re-applies
   * a single event after the processor has moved past it.
   */
  apply(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void>;
  /**
   * true for a failure of a dependency other than the database (the Kafka relay's broker): the
   * batch is retried after the poll interval, like a database outage, and never parked in the DLQ.
   */
  isTransientFailure?(error: unknown): boolean;
  /** Side effects that must not run before the batch is durable (wake caches, metrics). */
  afterCommit?(events: readonly RecordedEvent[]): Promise<void>;
  /**
   * Events per read and per transaction for this processor, over the host's batch size: the Kafka
   * relay's batches are its produce requests, and larger ones are what make it (and the consumers
   * reading its message sets) fast.
   */
  readonly batchSize?: number;
  /** Tables owned by this processor (this version): what `db reset` truncates, unless keptOnReset. */
  readonly readModelTables: readonly string[];
  /**
   * true: `db reset` leaves this processor alone: its tables, checkpoint, lease and DLQ entries.
   * For output that is not a read model to derive again but a record given to third parties: the
   * sealer's signed tree heads, which a re-seal would renumber under the auditors who kept them.
   */
  readonly keptOnReset?: boolean;
}

/** The checkpoint, lease and DLQ key of a processor. */
export interface ProcessorKey {
  name: string;
  version: number;
}

export function processorKey(processor: ProcessorKey): ProcessorKey {
  return { name: processor.name, version: processor.version };
}

export function describeProcessor(processor: ProcessorKey): string {
  return `${processor.name}@v${processor.version}`;
}
