import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { isConnectionFailure, type RecordedEvent, type SqlClient, type SqlExecutor } from '@caracal/event-store';
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

/** How often a member reports itself in kafka_group_members (the session timeout drops it). */
const MEMBER_REPORT_MS = 3_000;
const DEFAULT_BATCH_SIZE = 500;

/**
 * A processor run as a member of a Kafka consumer group named like it (`ledger-writer-group`):
 * the partitions are shared by the members, each partition's batches are handled one at a time
 * (partitionsConsumedConcurrently 1, no concurrency within a partition). For each slice of a
 * fetched batch, one transaction records the events' ids in kafka_consumed_events and applies only
 * those not recorded before (idempotent by event id, in the transaction of the effect); the
 * partition's offset is committed after it, then the member heartbeats. A failing slice is applied
 * event by event; an event that still fails after the bounded retries is parked in the DLQ table
 * and sent to the DLQ topic, and the partition moves on.
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
  /** Per partition, the offset after the last one this member committed: a batch starting past it skipped messages. */
  private readonly nextOffsets = new Map<number, bigint>();

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
      // Another member may have moved our former partitions on meanwhile.
      this.nextOffsets.clear();
      this.partitions = [...(payload.memberAssignment[this.options.topic] ?? [])].sort((a, b) => a - b);
      this.report('info', `joined as ${payload.memberId} with partitions [${this.partitions.join(', ')}]`);
      void this.reportMember();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.lastError = errorMessage(payload.error);
      this.report('warn', `consumer crashed; ${payload.restart ? 'kafkajs restarts it' : 'joining the group again'}`, payload.error);
      // kafkajs restarts only after retriable errors; a broker's refusal (seen: SyncGroup during a
      // rebalance) would leave this member out for good. A processor resumes by itself.
      if (!payload.restart && this.consumer === consumer) void this.rejoin();
    });
    this.consumer = consumer;
    this.producer = this.options.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: false, maxInFlightRequests: 1 });
    await consumer.connect();
    await this.producer.connect();
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
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

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.reportSkipped(batch.partition, batch.messages[0]?.offset);
    for (let start = 0; start < batch.messages.length; start += this.batchSize) {
      if (!isRunning() || isStale()) return;
      const slice = batch.messages.slice(start, start + this.batchSize);
      await this.applySlice(batch.partition, slice);
      const last = slice[slice.length - 1].offset;
      // After the transaction: a crash before this commit redelivers the slice, which the
      // consumed-events rows then skip.
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      resolveOffset(last);
      this.nextOffsets.set(batch.partition, BigInt(last) + 1n);
      this.eventsProcessed += slice.length;
      this.lastBatchAt = new Date();
      this.lastError = null;
      await heartbeat();
    }
  }

  /**
   * Our topic is neither compacted nor transactional, so offsets are dense: a batch that starts past
   * the offset after our last commit means the broker no longer had those messages (retention ran
   * ahead of this group, or the offset was reset). Their events were never applied here: said
   * loudly, with the range, so an operator rebuilds the read model from the store (docs/kafka.md).
   */
  private reportSkipped(partition: number, firstOffset: string | undefined): void {
    const expected = this.nextOffsets.get(partition);
    if (expected === undefined || firstOffset === undefined || BigInt(firstOffset) <= expected) return;
    this.lastError = `partition ${partition}: offsets ${expected}..${BigInt(firstOffset) - 1n} were gone from the topic when this group read it`;
    this.report('error', `${this.lastError}; their events were not applied (topic retention shorter than the lag?)`);
  }

  private async applySlice(partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    const wanted = this.processor.eventTypes;
    const relevant: { message: KafkaMessage; event: RecordedEvent }[] = [];
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
    if (relevant.length === 0) return;
    try {
      await this.afterCommit(await this.options.client.transaction((tx) => this.applyNew(tx, partition, relevant)));
      return;
    } catch (error) {
      if (isConnectionFailure(error)) throw error;
      this.report('warn', `batch of ${relevant.length} failed; applying its events one by one`, error);
    }
    for (const one of relevant) await this.applyOne(partition, one);
  }

  /** Records the events' ids and applies those recorded for the first time, in the caller's transaction. */
  private async applyNew(tx: SqlExecutor, partition: number, items: readonly { message: KafkaMessage; event: RecordedEvent }[]): Promise<RecordedEvent[]> {
    const { rows } = await tx.query<{ event_id: string }>(
      `INSERT INTO kafka_consumed_events (consumer_group, version, event_id, topic_partition, topic_offset)
       SELECT $1, $2, e, $3, o FROM unnest($4::uuid[], $5::bigint[]) AS x(e, o)
       ON CONFLICT (consumer_group, version, event_id) DO NOTHING
       RETURNING event_id::text AS event_id`,
      [this.processor.name, this.processor.version, partition, items.map(({ event }) => event.eventId), items.map(({ message }) => message.offset)],
    );
    const fresh = new Set(rows.map((row) => row.event_id));
    const events = items.filter(({ event }) => fresh.has(event.eventId)).map(({ event }) => event);
    if (events.length > 0) await this.processor.apply(tx, events);
    return events;
  }

  /** The transaction committed: side effects (Redis counters); a failure is reported, never re-applies. */
  private async afterCommit(events: readonly RecordedEvent[]): Promise<void> {
    if (!this.processor.afterCommit || events.length === 0) return;
    await this.processor.afterCommit(events).catch((error: unknown) => this.report('warn', 'afterCommit failed (the batch is committed)', error));
  }

  private async applyOne(partition: number, item: { message: KafkaMessage; event: RecordedEvent }): Promise<void> {
    let attempts = 0;
    const firstFailedAt = new Date();
    for (;;) {
      try {
        await this.afterCommit(await this.options.client.transaction((tx) => this.applyNew(tx, partition, [item])));
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

  /** DLQ topic first (acknowledged), then the table with the consumed-event row: a crash between the two sends it twice, never loses it. */
  private async park(partition: number, item: { message: KafkaMessage; event: RecordedEvent }, error: string, attempts: number, firstFailedAt: Date): Promise<void> {
    await this.sendToDlqTopic(partition, item.message, error);
    await this.options.client.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO kafka_consumed_events (consumer_group, version, event_id, topic_partition, topic_offset)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [this.processor.name, this.processor.version, item.event.eventId, partition, item.message.offset],
      );
      await parkEvent(tx, this.processor, item.event, { error, attempts, firstFailedAt, lastFailedAt: new Date() });
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
