import type { GlobalCheckpoint, SqlExecutor } from '@caracal/event-store';
import type { ProcessorKey } from '@caracal/processing';

/**
 * A consumer group's progress on one partition (table kafka_consumer_positions, one row per
 * partition): the log position of the last event applied from it, and the offset after the last
 * message handled. The row is the truth; the committed offset in Kafka mirrors nextOffset for
 * the lag and the broker's tools.
 */
export interface KafkaConsumerPosition {
  partition: number;
  nextOffset: bigint;
  applied: GlobalCheckpoint;
}

type PositionRow = {
  topic_partition: number;
  next_offset: string;
  transaction_id: string;
  global_position: string;
};

const toPosition = (row: PositionRow): KafkaConsumerPosition => ({
  partition: row.topic_partition,
  nextOffset: BigInt(row.next_offset),
  applied: { transactionId: BigInt(row.transaction_id), globalPosition: BigInt(row.global_position) },
});

/**
 * The partition's position, locked until the transaction ends (a row at offset 0 and the start
 * of the log is created for a partition seen for the first time). Two members handed the same
 * partition during a rebalance serialise here, and the second sees what the first applied.
 */
export async function lockPosition(tx: SqlExecutor, processor: ProcessorKey, partition: number): Promise<KafkaConsumerPosition> {
  const { rows } = await tx.query<PositionRow>(
    `INSERT INTO kafka_consumer_positions AS p (consumer_group, version, topic_partition, next_offset, transaction_id, global_position)
     VALUES ($1, $2, $3, 0, '0'::xid8, 0)
     ON CONFLICT (consumer_group, version, topic_partition) DO UPDATE SET next_offset = p.next_offset
     RETURNING topic_partition, next_offset::text, transaction_id::text, global_position::text`,
    [processor.name, processor.version, partition],
  );
  return toPosition(rows[0]);
}

/** Moves the locked position on, in the transaction of the effect. */
export async function savePosition(tx: SqlExecutor, processor: ProcessorKey, position: KafkaConsumerPosition): Promise<void> {
  await tx.query(
    `UPDATE kafka_consumer_positions
        SET next_offset = $4, transaction_id = $5::text::xid8, global_position = $6, updated_at = clock_timestamp()
      WHERE consumer_group = $1 AND version = $2 AND topic_partition = $3`,
    [processor.name, processor.version, position.partition, position.nextOffset.toString(), position.applied.transactionId.toString(), position.applied.globalPosition.toString()],
  );
}

/** The positions of the given partitions, without locking; a partition with no row is absent (read it from the start). */
export async function readPositions(sql: SqlExecutor, processor: ProcessorKey, partitions: readonly number[]): Promise<Map<number, KafkaConsumerPosition>> {
  const { rows } = await sql.query<PositionRow>(
    `SELECT topic_partition, next_offset::text, transaction_id::text, global_position::text
       FROM kafka_consumer_positions WHERE consumer_group = $1 AND version = $2 AND topic_partition = ANY($3::int[])`,
    [processor.name, processor.version, [...partitions]],
  );
  return new Map(rows.map((row) => [row.topic_partition, toPosition(row)]));
}

/**
 * `db reset` on the Kafka bus: forgets the groups' positions, in the reset's transaction, so each
 * member reads its partitions from the start when it is next assigned them. Returns the rows deleted.
 */
export async function deleteKafkaConsumerPositions(tx: SqlExecutor, processors: readonly ProcessorKey[]): Promise<number> {
  let deleted = 0;
  for (const processor of processors) {
    deleted += (await tx.query('DELETE FROM kafka_consumer_positions WHERE consumer_group = $1 AND version = $2', [processor.name, processor.version])).rowCount;
  }
  return deleted;
}

/** Log order: (transaction id, global position), as the relay publishes and the store runners read. */
export function isAfter(a: GlobalCheckpoint, b: GlobalCheckpoint): boolean {
  return a.transactionId > b.transactionId || (a.transactionId === b.transactionId && a.globalPosition > b.globalPosition);
}
