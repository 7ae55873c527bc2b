-- Kafka bus (libs/messaging, docs/kafka.md): a consumer group's progress as one row per partition
-- instead of one row per consumed event (kafka_consumed_events grew with the log).

-- Per (group, processor version, partition): the log position of the last event applied from that
-- partition and the offset after the last message handled. Updated in the transaction of the
-- effect, under the row's lock. The relay publishes the log in log order, so the events a
-- partition receives for the first time come in increasing (transaction_id, global_position): an
-- event at or below the row's position was applied already (a redelivery after a crash or a
-- rebalance, or the relay publishing a batch again) and is skipped. next_offset is where a member
-- that is assigned the partition starts reading (the group's committed offset in Kafka only
-- mirrors it), so `db reset` deleting the rows makes the group read its partitions from the start.
CREATE TABLE IF NOT EXISTS kafka_consumer_positions (
  consumer_group  text        NOT NULL,
  version         integer     NOT NULL,
  topic_partition integer     NOT NULL,
  next_offset     bigint      NOT NULL,
  transaction_id  xid8        NOT NULL,
  global_position bigint      NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (consumer_group, version, topic_partition)
);

-- Carry the consumed events over: per partition, the latest of them in log order and the offset after the highest.
INSERT INTO kafka_consumer_positions (consumer_group, version, topic_partition, next_offset, transaction_id, global_position)
SELECT DISTINCT ON (c.consumer_group, c.version, c.topic_partition)
       c.consumer_group, c.version, c.topic_partition,
       max(c.topic_offset) OVER (PARTITION BY c.consumer_group, c.version, c.topic_partition) + 1,
       e.transaction_id, e.global_position
  FROM kafka_consumed_events c
  JOIN events e ON e.event_id = c.event_id
 ORDER BY c.consumer_group, c.version, c.topic_partition, e.transaction_id DESC, e.global_position DESC
ON CONFLICT DO NOTHING;

DROP TABLE IF EXISTS kafka_consumed_events;
