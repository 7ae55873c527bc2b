import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { SqlExecutor } from '@caracal/event-store';
import { kafkajs } from './kafkajs.loader.js';

export interface KafkaPartitionLag {
  partition: number;
  /** The group's committed offset (the next message it will read); null: none committed yet. */
  committedOffset: string | null;
  highWatermark: string;
  /** Messages between the committed offset (or the partition's start) and the high watermark. */
  lag: string;
}

export interface KafkaGroupMember {
  memberId: string;
  /** The client id and host the broker knows the member by, or the owner it reported. */
  clientId: string;
  host: string | null;
  partitions: number[];
}

export interface KafkaConsumerLag {
  consumerGroup: string;
  topic: string;
  partitions: KafkaPartitionLag[];
  eventsBehind: bigint;
  /** Group state as the broker reports it (Stable, PreparingRebalance, Empty...); null when it did not answer. */
  groupState: string | null;
  members: KafkaGroupMember[];
  /**
   * broker: DescribeGroups answered. members-table: it failed (the librdkafka mock broker does not
   * implement it) and the members are those that reported themselves in kafka_group_members
   * within the session timeout; membersNote says why.
   */
  membersSource: 'broker' | 'members-table';
  membersNote: string | null;
  /** Timestamp (the event's recorded_at) of the oldest message not consumed yet; null when caught up or not asked. */
  oldestUnconsumedAt: Date | null;
  oldestUnconsumedAgeMs: number | null;
}

export interface KafkaConsumerLagOptions {
  /** Members not seen for this long are gone (the members-table fallback). */
  sessionTimeoutMs: number;
  /** Read the oldest unconsumed message's timestamp (joins a throwaway group: for the CLI, not for scrapes). */
  oldestUnconsumed: boolean;
  now?: Date;
}

/**
 * `kafka consumer-lag` on the Kafka bus: the group's committed offsets against the topic's high
 * watermarks, partition by partition, from the broker; the members and their partitions.
 */
export async function kafkaConsumerLag(kafka: Kafka, sql: SqlExecutor, topic: string, group: string, options: KafkaConsumerLagOptions): Promise<KafkaConsumerLag> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [watermarks, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
    const committedBy = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
    const partitions = watermarks
      .map((w): KafkaPartitionLag => {
        const offset = committedBy.get(w.partition);
        const has = offset !== undefined && BigInt(offset) >= 0n;
        const from = has ? BigInt(offset) : BigInt(w.low);
        const lag = BigInt(w.high) - from;
        return { partition: w.partition, committedOffset: has ? offset : null, highWatermark: w.high, lag: (lag > 0n ? lag : 0n).toString() };
      })
      .sort((a, b) => a.partition - b.partition);
    const eventsBehind = partitions.reduce((sum, p) => sum + BigInt(p.lag), 0n);
    const membership = await groupMembers(admin, sql, topic, group, options.sessionTimeoutMs);
    const lagging = partitions.filter((p) => BigInt(p.lag) > 0n).map((p) => ({ partition: p.partition, offset: BigInt(p.highWatermark) - BigInt(p.lag) }));
    const oldest = options.oldestUnconsumed && lagging.length > 0 ? await oldestTimestamp(kafka, topic, lagging) : null;
    const now = (options.now ?? new Date()).getTime();
    return {
      consumerGroup: group,
      topic,
      partitions,
      eventsBehind,
      ...membership,
      oldestUnconsumedAt: oldest,
      oldestUnconsumedAgeMs: oldest === null ? null : Math.max(0, now - oldest.getTime()),
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

type Admin = ReturnType<Kafka['admin']>;

async function groupMembers(admin: Admin, sql: SqlExecutor, topic: string, group: string, sessionTimeoutMs: number): Promise<Pick<KafkaConsumerLag, 'groupState' | 'members' | 'membersSource' | 'membersNote'>> {
  try {
    const { groups } = await admin.describeGroups([group]);
    const described = groups[0];
    return {
      groupState: described.state,
      members: described.members.map((member) => ({
        memberId: member.memberId,
        clientId: member.clientId,
        host: member.clientHost,
        partitions: [...(kafkajs().AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[topic] ?? [])].sort((a, b) => a - b),
      })),
      membersSource: 'broker',
      membersNote: null,
    };
  } catch (error) {
    const { rows } = await sql.query<{ member_id: string; owner: string; partitions: number[] }>(
      `SELECT member_id, owner, partitions FROM kafka_group_members
        WHERE consumer_group = $1 AND seen_at > clock_timestamp() - $2::bigint * interval '1 millisecond'
        ORDER BY joined_at, member_id`,
      [group, sessionTimeoutMs],
    );
    return {
      groupState: null,
      members: rows.map((row) => ({ memberId: row.member_id, clientId: row.owner, host: null, partitions: [...row.partitions].sort((a, b) => a - b) })),
      membersSource: 'members-table',
      membersNote: `the broker did not answer DescribeGroups (${(error as Error).message}); members as they last reported themselves`,
    };
  }
}

/** Reads the first unconsumed message of each lagging partition with a throwaway group (never committed) and answers the oldest timestamp. */
async function oldestTimestamp(kafka: Kafka, topic: string, lagging: readonly { partition: number; offset: bigint }[]): Promise<Date | null> {
  const consumer = kafka.consumer({ groupId: `caracal-lag-probe-${randomBytes(6).toString('hex')}`, allowAutoTopicCreation: false });
  const found = new Map<number, number>();
  const wanted = new Map(lagging.map((p) => [p.partition, p.offset]));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let done: () => void = () => undefined;
    const allFound = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const target = wanted.get(batch.partition);
        if (target === undefined || found.has(batch.partition)) return;
        const first = batch.messages.find((message) => BigInt(message.offset) >= target);
        if (first) found.set(batch.partition, Number(first.timestamp));
        if (found.size === wanted.size) done();
      },
    });
    for (const { partition, offset } of lagging) consumer.seek({ topic, partition, offset: offset.toString() });
    await Promise.race([allFound, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  if (found.size === 0) return null;
  return new Date(Math.min(...found.values()));
}
