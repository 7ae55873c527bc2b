-- Kafka bus (libs/messaging, docs/kafka.md). Used only with CARACAL_BUS=kafka; empty otherwise.

-- The events a Kafka consumer group has applied, by event id: inserted in the transaction of the
-- effect, so a redelivered event (offsets are committed after that transaction; a rebalance or a
-- crash in between hands the batch to another member) finds its row and is skipped.
CREATE TABLE IF NOT EXISTS kafka_consumed_events (
  consumer_group  text        NOT NULL,
  version         integer     NOT NULL,
  event_id        uuid        NOT NULL,
  topic_partition integer     NOT NULL,
  topic_offset    bigint      NOT NULL,
  consumed_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (consumer_group, version, event_id)
);

-- The members of each consumer group and their partitions, as each member last reported them
-- (on joining and every few seconds): what `kafka consumer-lag` shows when the broker does not
-- answer DescribeGroups. A member that stops reporting drops out after the session timeout.
CREATE TABLE IF NOT EXISTS kafka_group_members (
  consumer_group text        NOT NULL,
  member_id      text        NOT NULL,
  owner          text        NOT NULL,
  partitions     integer[]   NOT NULL,
  joined_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  seen_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (consumer_group, member_id)
);
