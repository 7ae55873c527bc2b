import { START_OF_LOG, type GlobalCheckpoint, type SqlExecutor } from '@caracal/event-store';
import { CheckpointConflictError } from './processing.errors.js';
import type { ProcessorKey } from './processor.js';

export interface StoredCheckpoint {
  checkpoint: GlobalCheckpoint;
  eventsProcessed: bigint;
  updatedAt: Date;
}

interface CheckpointRow extends Record<string, unknown> {
  transaction_id: string;
  global_position: string;
  events_processed: string;
  updated_at: Date;
}

/** The checkpoint of a processor, or null before it first ran (= START_OF_LOG). */
export async function loadCheckpoint(executor: SqlExecutor, processor: ProcessorKey): Promise<StoredCheckpoint | null> {
  const { rows } = await executor.query<CheckpointRow>(
    `SELECT transaction_id, global_position, events_processed, updated_at
       FROM processor_checkpoints WHERE processor = $1 AND version = $2`,
    [processor.name, processor.version],
  );
  if (rows.length === 0) return null;
  const row = rows[0];
  return {
    checkpoint: { transactionId: BigInt(row.transaction_id), globalPosition: BigInt(row.global_position) },
    eventsProcessed: BigInt(row.events_processed),
    updatedAt: row.updated_at,
  };
}

/**
 * Creates the checkpoint row at the start of the log if missing, so that every later move is an
 * UPDATE that can compare-and-set (an INSERT race would need a different conflict path).
 */
export async function ensureCheckpoint(executor: SqlExecutor, processor: ProcessorKey): Promise<StoredCheckpoint> {
  await executor.query(
    `INSERT INTO processor_checkpoints (processor, version, transaction_id, global_position, events_processed)
     VALUES ($1, $2, $3::xid8, $4::bigint, 0)
     ON CONFLICT (processor, version) DO NOTHING`,
    [processor.name, processor.version, START_OF_LOG.transactionId.toString(), START_OF_LOG.globalPosition.toString()],
  );
  return (await loadCheckpoint(executor, processor)) as StoredCheckpoint;
}

/**
 * Compare-and-set: moves the checkpoint from `expected` to `next` only if it still is `expected`.
 * The UPDATE locks the row until the transaction ends, so two instances that both read the same
 * checkpoint serialize here and the second finds it moved: no batch is applied twice, even by an
 * instance that was paused past its lease. Throws CheckpointConflictError (the caller rolls back).
 */
export async function advanceCheckpoint(
  tx: SqlExecutor,
  processor: ProcessorKey,
  expected: GlobalCheckpoint,
  next: GlobalCheckpoint,
  eventCount: number,
): Promise<void> {
  const { rowCount } = await tx.query(
    `UPDATE processor_checkpoints
        SET transaction_id = $5::xid8, global_position = $6::bigint,
            events_processed = events_processed + $7::bigint, updated_at = clock_timestamp()
      WHERE processor = $1 AND version = $2 AND transaction_id = $3::xid8 AND global_position = $4::bigint`,
    [
      processor.name,
      processor.version,
      expected.transactionId.toString(),
      expected.globalPosition.toString(),
      next.transactionId.toString(),
      next.globalPosition.toString(),
      eventCount,
    ],
    'caracal_advance_checkpoint',
  );
  if (rowCount !== 1) throw new CheckpointConflictError(processor);
}

export function checkpointOf(event: { transactionId: bigint; globalPosition: bigint }): GlobalCheckpoint {
  return { transactionId: event.transactionId, globalPosition: event.globalPosition };
}
