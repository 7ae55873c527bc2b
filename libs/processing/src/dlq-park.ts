import type { RecordedEvent, SqlExecutor } from '@caracal/event-store';
import type { ProcessorKey } from './processor.js';

export interface ParkedFailure {
  error: string;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
}

/**
 * Parks an event in the DLQ. Called in the transaction that moves the checkpoint past the event,
 * so an event is either still ahead of the processor or in the DLQ, never lost between the two.
 * Parked again (after a reset that kept the row, or a replay): the attempts add up.
 */
export async function parkEvent(
  tx: SqlExecutor,
  processor: ProcessorKey,
  event: RecordedEvent,
  failure: ParkedFailure,
): Promise<void> {
  await tx.query(
    `INSERT INTO dlq (processor, version, event_id, global_position, transaction_id, stream_id, event_type,
                      error, attempts, first_failed_at, last_failed_at, status)
     VALUES ($1, $2, $3, $4::bigint, $5::xid8, $6, $7, $8, $9, $10, $11, 'parked')
     ON CONFLICT (processor, version, event_id) DO UPDATE
       SET error = excluded.error, attempts = dlq.attempts + excluded.attempts,
           last_failed_at = excluded.last_failed_at, status = 'parked'`,
    [
      processor.name,
      processor.version,
      event.eventId,
      event.globalPosition.toString(),
      event.transactionId.toString(),
      event.streamId,
      event.type,
      failure.error,
      failure.attempts,
      failure.firstFailedAt,
      failure.lastFailedAt,
    ],
  );
}
