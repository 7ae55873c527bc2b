import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { isConnectionFailure, type GlobalCheckpoint, type RecordedEvent, type SqlClient, type SqlExecutor } from '@caracal/event-store';
import {
  backoffDelayMs,
  consoleProcessorLogger,
  errorMessage,
  parkEvent,
  resolveRetryPolicy,
  type Processor,
  type ProcessorLogger,
  type RetryPolicy,
} from '@caracal/processing';
import { dlqTopicOf } from './event-topics.js';
import { EVENT_HEADERS, fromMessage, headerText, UndecodableMessageError } from './event-message.js';
import { isAfter, lockPosition, readPositions, savePosition, type KafkaConsumerPosition } from './kafka-consumer-positions.js';
import { kafkajs } from './kafkajs.loader.js';

export interface KafkaConsumerGroupOptions {
  kafka: Kafka;
  client: SqlClient;
  /** The event topic; parked events go to `<topic>.dlq` too. */
  topic: string;
  /** The processor applied to each batch; its name is the consumer group's id. */
  processor: Processor;
  owner?: string;
  /** Events per database transaction within a fetched batch (default 500). */
  batchSize?: number;
  /** Partitions whose batches this member handles at the same time, each in its own transaction (default 4, as the configuration's); a partition's batches are never concurrent. */
  partitionsConcurrently?: number;
  retry?: Partial<RetryPolicy>;
  /** The group's session timeout (default 30000; the broker's minimum is usually 6000). */
  sessionTimeoutMs?: number;
  logger?: ProcessorLogger;
}

export interface KafkaConsumerGroupStatus {
  processor: string;
  version: number;
  owner: string;
  bus: 'kafka';
  state: 'stopped' | 'running';
  memberId: string | null;
  partitions: number[];
  eventsProcessed: number;
  eventsParked: number;
  lastBatchAt: Date | null;
  lastError: string | null;
}

interface Item {
  message: KafkaMessage;
  event: RecordedEvent;
}

function moved(position: KafkaConsumerPosition, applied: GlobalCheckpoint, end: bigint): KafkaConsumerPosition {
  return { partition: position.partition, applied, nextOffset: end > position.nextOffset ? end : position.nextOffset };
}

/** How often a member reports itself in kafka_group_members (the session timeout drops it). */
const MEMBER_REPORT_MS = 3_000;
const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_PARTITIONS_CONCURRENTLY = 4;
/** Kafka offset commits while a partition is behind: they only mirror the position rows. */
const COMMIT_EVERY_MS = 1_000;

/**
 * A processor run as a member of a Kafka consumer group named like it (`ledger-writer-group`):
 * the partitions are shared by the members, each partition's batches are handled one at a time
 * (no concurrency within a partition; up to partitionsConcurrently partitions at once, each in its
 * own transaction: a budget's events, and so its rows, are all in one partition). For each slice of a
 * fetched batch, one transaction locks the partition's row in kafka_consumer_positions, applies
 * only the events past its log position (the relay publishes in log order, so anything at or
 * below it is a redelivery) and moves the row on: exactly-once effects with one row per
 * partition. The partition's offset is committed to Kafka after it (a mirror for the lag), then
 * the member heartbeats. A member assigned a partition starts at the row's next offset, not at
 * Kafka's committed one: after `db reset` deleted the rows, the group reads everything again.
 * A failing slice is applied event by event; an event that still fails after the bounded retries
 * is parked in the DLQ table and sent to the DLQ topic, and the partition moves on.
 */
export class KafkaConsumerGroup {
  readonly owner: string;
  readonly processor: Processor;
  private readonly options: KafkaConsumerGroupOptions;
  private readonly retry: RetryPolicy;
  private readonly log: ProcessorLogger;
  private readonly batchSize: number;
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private memberId: string | null = null;
  private partitions: number[] = [];
  private reportTimer: NodeJS.Timeout | null = null;
  private eventsProcessed = 0;
  private eventsParked = 0;
  private lastBatchAt: Date | null = null;
  private lastError: string | null = null;
  private stopped = false;
  /**
   * Per partition, the offset after the last slice this member applied since it was assigned the
   * partition: a batch starting there continues it, with no look at the position row.
   */
  private readonly handledUpTo = new Map<number, bigint>();
  /** Per partition, when this member last committed its offset to Kafka. */
  private readonly committedAt = new Map<number, number>();

  constructor(options: KafkaConsumerGroupOptions) {
    this.options = options;
    this.processor = options.processor;
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.retry = resolveRetryPolicy(options.retry);
    this.log = options.logger ?? consoleProcessorLogger;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  get groupId(): string {
    return this.processor.name;
  }

  /**
   * Joins the group and consumes until stop(); resolves once running. A broker unreachable at
   * start is retried every few seconds; one lost later is retried by kafkajs and, past its
   * retries, by restarting the consumer: the group pauses and resumes by itself.
   */
  async start(): Promise<void> {
    this.stopped = false;
    for (;;) {
      try {
        await this.join();
        return;
      } catch (error) {
        this.lastError = errorMessage(error);
        this.report('warn', 'could not join the consumer group; retrying', error);
        await this.leave();
        if (this.stopped) return;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        if (this.stopped) return;
      }
    }
  }

  private async rejoin(): Promise<void> {
    await this.leave();
    if (this.stopped) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (!this.stopped) await this.start();
  }

  private async join(): Promise<void> {
    if (this.consumer) return;
    const consumer = this.options.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((this.options.sessionTimeoutMs ?? 30_000) / 3)),
      allowAutoTopicCreation: true,
      // A crashed consumer (broker gone past the retries) restarts by itself: processors pause and resume.
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8, restartOnFailure: async () => true },
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.memberId = payload.memberId;
      this.handledUpTo.clear();
      this.partitions = [...(payload.memberAssignment[this.options.topic] ?? [])].sort((a, b) => a - b);
      this.report('info', `joined as ${payload.memberId} with partitions [${this.partitions.join(', ')}]`);
      void this.reportMember();
      void this.seekToPositions(consumer, this.partitions);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.lastError = errorMessage(payload.error);
      this.report('warn', `consumer crashed; ${payload.restart ? 'kafkajs restarts it' : 'joining the group again'}`, payload.error);
      // kafkajs restarts only after retriable errors; a broker's refusal (seen: SyncGroup during a
      // rebalance) would leave this member out for good. A processor resumes by itself.
      if (!payload.restart && this.consumer === consumer) void this.rejoin();
    });
    this.consumer = consumer;
    this.producer = this.options.kafka.producer({ createPartitioner: kafkajs().Partitioners.DefaultPartitioner, idempotent: false, maxInFlightRequests: 1 });
    await consumer.connect();
    await this.producer.connect();
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? DEFAULT_PARTITIONS_CONCURRENTLY,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.reportTimer = setInterval(() => void this.reportMember(), MEMBER_REPORT_MS);
    this.reportTimer.unref();
  }

  /** Leaves the group (its partitions go to the other members at once) and forgets this member. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.leave();
  }

  private async leave(): Promise<void> {
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.reportTimer = null;
    const consumer = this.consumer;
    this.consumer = null;
    const producer = this.producer;
    this.producer = null;
    await consumer?.disconnect().catch((error: unknown) => this.report('warn', 'could not disconnect the consumer', error));
    await producer?.disconnect().catch((error: unknown) => this.report('warn', 'could not disconnect the DLQ producer', error));
    if (this.memberId) {
      await this.options.client
        .query('DELETE FROM kafka_group_members WHERE consumer_group = $1 AND member_id = $2', [this.groupId, this.memberId])
        .catch((error: unknown) => this.report('warn', 'could not remove this member from kafka_group_members', error));
    }
    this.memberId = null;
  }

  status(): KafkaConsumerGroupStatus {
    return {
      processor: this.processor.name,
      version: this.processor.version,
      owner: this.owner,
      bus: 'kafka',
      state: this.consumer ? 'running' : 'stopped',
      memberId: this.memberId,
      partitions: [...this.partitions],
      eventsProcessed: this.eventsProcessed,
      eventsParked: this.eventsParked,
      lastBatchAt: this.lastBatchAt,
      lastError: this.lastError,
    };
  }

  /**
   * Newly assigned partitions start at their positions' next offsets (offset 0, i.e. the oldest
   * message kept, where there is no row): Kafka's committed offset may be ahead (`db reset`
   * deleted the rows) or behind (a crash between our transaction and the commit).
   */
  private async seekToPositions(consumer: Consumer, partitions: readonly number[]): Promise<void> {
    try {
      const positions = await readPositions(this.options.client, this.processor, partitions);
      if (this.consumer !== consumer) return;
      for (const partition of partitions) {
        const offset = positions.get(partition)?.nextOffset ?? 0n;
        consumer.seek({ topic: this.options.topic, partition, offset: offset.toString() });
      }
    } catch (error) {
      // Each batch checks its start against the position too: this only spares a round trip.
      this.report('warn', 'could not read the partitions\' positions on joining', error);
    }
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || batch.messages.length === 0) return;
    const first = BigInt(batch.messages[0].offset);
    if (this.handledUpTo.get(batch.partition) !== first && !(await this.startsAtPosition(consumer, batch.partition, first))) return;
    for (let start = 0; start < batch.messages.length; start += this.batchSize) {
      if (!isRunning() || isStale()) return;
      const slice = batch.messages.slice(start, start + this.batchSize);
      await this.applySlice(batch.partition, slice);
      const last = slice[slice.length - 1].offset;
      const next = BigInt(last) + 1n;
      this.handledUpTo.set(batch.partition, next);
      // For the lag and the broker's tools only (the position row decides where a member starts
      // and what it skips): once caught up with the partition, else at most every COMMIT_EVERY_MS.
      const now = Date.now();
      if (next >= BigInt(batch.highWatermark) || now - (this.committedAt.get(batch.partition) ?? 0) >= COMMIT_EVERY_MS) {
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next.toString() }]);
        this.committedAt.set(batch.partition, now);
      }
      resolveOffset(last);
      this.eventsProcessed += slice.length;
      this.lastBatchAt = new Date();
      this.lastError = null;
      await heartbeat();
    }
  }

  /**
   * false (after seeking back) when the batch starts past the partition's next offset: messages
   * before it were never applied (Kafka's committed offset ran ahead of the row after `db reset`,
   * or the batch was fetched before the seek on joining landed). Our topic is neither compacted
   * nor transactional, so offsets are dense: if the broker no longer has the messages from the
   * next offset on (its low watermark is past it: retention ran ahead of this group), their
   * events were never applied here. Said loudly, with the range, so an operator rebuilds the read
   * model from the store (docs/kafka.md), and the partition goes on from the oldest message kept.
   */
  private async startsAtPosition(consumer: Consumer, partition: number, first: bigint): Promise<boolean> {
    let expected = (await readPositions(this.options.client, this.processor, [partition])).get(partition)?.nextOffset ?? 0n;
    if (first <= expected) return true;
    const low = await this.lowWatermark(partition);
    if (low > expected) {
      this.lastError = `partition ${partition}: offsets ${expected}..${low - 1n} were gone from the topic when this group read it`;
      this.report('error', `${this.lastError}; their events were not applied (topic retention shorter than the lag?)`);
      expected = low;
      if (first <= expected) return true;
    }
    consumer.seek({ topic: this.options.topic, partition, offset: expected.toString() });
    return false;
  }

  private async lowWatermark(partition: number): Promise<bigint> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.options.topic);
      return BigInt(offsets.find((p) => p.partition === partition)?.low ?? '0');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async applySlice(partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    const wanted = this.processor.eventTypes;
    const relevant: Item[] = [];
    for (const message of messages) {
      const type = headerText(message.headers, EVENT_HEADERS.type);
      if (wanted !== undefined && type !== null && !wanted.includes(type)) continue;
      try {
        const event = fromMessage(message);
        if (wanted === undefined || wanted.includes(event.type)) relevant.push({ message, event });
      } catch (error) {
        if (!(error instanceof UndecodableMessageError)) throw error;
        // Nothing to apply nor to park in the table (no event): only the DLQ topic keeps it.
        await this.sendToDlqTopic(partition, message, error.message);
      }
    }
    // Past every message of the slice, the skipped ones too: the next batch must start there.
    const end = BigInt(messages[messages.length - 1].offset) + 1n;
    try {
      await this.afterCommit(await this.options.client.transaction((tx) => this.applyNew(tx, partition, relevant, end)));
      return;
    } catch (error) {
      if (isConnectionFailure(error) || relevant.length === 0) throw error;
      this.report('warn', `batch of ${relevant.length} failed; applying its events one by one`, error);
    }
    for (const one of relevant) await this.applyOne(partition, one);
    await this.options.client.transaction((tx) => this.applyNew(tx, partition, [], end));
  }

  /**
   * In the caller's transaction: locks the partition's position, applies the events past it (in
   * log order; a copy at or below it was applied already), and moves the position to the last
   * applied event and the next offset to `end` (never backwards: a member that lost the
   * partition in a rebalance may still finish an older batch).
   */
  private async applyNew(tx: SqlExecutor, partition: number, items: readonly Item[], end: bigint): Promise<RecordedEvent[]> {
    const position = await lockPosition(tx, this.processor, partition);
    let applied = position.applied;
    const events: RecordedEvent[] = [];
    for (const { event } of items) {
      const at = { transactionId: event.transactionId, globalPosition: event.globalPosition };
      if (!isAfter(at, applied)) continue;
      events.push(event);
      applied = at;
    }
    if (events.length > 0) await this.processor.apply(tx, events);
    await savePosition(tx, this.processor, moved(position, applied, end));
    return events;
  }

  /** The transaction committed: side effects (Redis counters); a failure is reported, never re-applies. */
  private async afterCommit(events: readonly RecordedEvent[]): Promise<void> {
    if (!this.processor.afterCommit || events.length === 0) return;
    await this.processor.afterCommit(events).catch((error: unknown) => this.report('warn', 'afterCommit failed (the batch is committed)', error));
  }

  private async applyOne(partition: number, item: Item): Promise<void> {
    let attempts = 0;
    const firstFailedAt = new Date();
    const end = BigInt(item.message.offset) + 1n;
    for (;;) {
      try {
        await this.afterCommit(await this.options.client.transaction((tx) => this.applyNew(tx, partition, [item], end)));
        return;
      } catch (error) {
        if (isConnectionFailure(error)) throw error;
        attempts += 1;
        this.lastError = errorMessage(error);
        if (attempts >= this.retry.maxAttempts) {
          await this.park(partition, item, errorMessage(error), attempts, firstFailedAt);
          return;
        }
        this.report('warn', `attempt ${attempts} of ${this.retry.maxAttempts} failed`, error, item.event.eventId);
        await new Promise((resolve) => setTimeout(resolve, backoffDelayMs(this.retry, attempts)));
      }
    }
  }

  /** DLQ topic first (acknowledged), then the table with the position moved past it: a crash between the two sends it twice, never loses it. */
  private async park(partition: number, item: Item, error: string, attempts: number, firstFailedAt: Date): Promise<void> {
    await this.sendToDlqTopic(partition, item.message, error);
    const at = { transactionId: item.event.transactionId, globalPosition: item.event.globalPosition };
    await this.options.client.transaction(async (tx) => {
      const position = await lockPosition(tx, this.processor, partition);
      // Another member applied or parked it meanwhile (a rebalance): nothing to park.
      if (!isAfter(at, position.applied)) return;
      await parkEvent(tx, this.processor, item.event, { error, attempts, firstFailedAt, lastFailedAt: new Date() });
      await savePosition(tx, this.processor, moved(position, at, BigInt(item.message.offset) + 1n));
    });
    this.eventsParked += 1;
    this.report('error', `parked in the DLQ after ${attempts} attempts: ${error}`, undefined, item.event.eventId);
  }

  private async sendToDlqTopic(partition: number, message: KafkaMessage, error: string): Promise<void> {
    await (this.producer as Producer).send({
      topic: dlqTopicOf(this.options.topic),
      acks: -1,
      messages: [{
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          'caracal-dlq-consumer-group': this.groupId,
          'caracal-dlq-error': error.slice(0, 2_000),
          'caracal-dlq-source': `${this.options.topic}/${partition}/${message.offset}`,
        },
      }],
    });
  }

  private async reportMember(): Promise<void> {
    if (!this.memberId) return;
    // Rejoined under a new member id (after a broker restart or a crash of the consumer): the old id is this member no more.
    await this.options.client
      .query('DELETE FROM kafka_group_members WHERE consumer_group = $1 AND owner = $2 AND member_id <> $3', [this.groupId, this.owner, this.memberId])
      .catch((error: unknown) => this.report('warn', 'could not forget this member\'s former id in kafka_group_members', error));
    await this.options.client
      .query(
        `INSERT INTO kafka_group_members (consumer_group, member_id, owner, partitions) VALUES ($1, $2, $3, $4::int[])
         ON CONFLICT (consumer_group, member_id) DO UPDATE SET partitions = excluded.partitions, seen_at = clock_timestamp()`,
        [this.groupId, this.memberId, this.owner, this.partitions],
      )
      .catch((error: unknown) => this.report('warn', 'could not report this member in kafka_group_members', error));
  }

  private report(level: 'debug' | 'info' | 'warn' | 'error', message: string, error?: unknown, eventId?: string): void {
    this.log({ level, message, processor: this.processor.name, version: this.processor.version, owner: this.owner, eventId, error });
  }
}
