import type { Kafka, Message, Producer } from 'kafkajs';
import type { RecordedEvent, SqlExecutor } from '@caracal/event-store';
import type { Processor } from '@caracal/processing';
import { ensureEventTopics } from './event-topics.js';
import { toMessage } from './event-message.js';
import { KafkaUnavailableError } from './kafka.errors.js';
import { kafkajs } from './kafkajs.loader.js';

export const KAFKA_RELAY = 'kafka-relay';

export interface KafkaRelay extends Processor {
  /** Disconnects the producer (after the host stopped). */
  close(): Promise<void>;
}

export interface KafkaRelayOptions {
  kafka: Kafka;
  topic: string;
  /** Partitions of the event topic if the relay creates it. */
  partitions: number;
  /** Told once when the topics could not be created. */
  warn?: (message: string) => void;
  /** Events per batch read from the log, sent, then checkpointed (default 5000). */
  batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 5_000;
/**
 * Bytes of one partition's messages in one produce request: kafkajs sends them as one record
 * batch, which a broker refuses past message.max.bytes (1 MB by default); half of it leaves room
 * for the records' overhead and for a partition count that changed since we read it.
 */
const MAX_PARTITION_BYTES_PER_REQUEST = 512 * 1024;

/**
 * The batch's messages as produce requests, in order, none carrying more than
 * MAX_PARTITION_BYTES_PER_REQUEST for one partition (by the partitioner the producer uses).
 */
export function produceRequests(messages: readonly Message[], partitions: number): Message[][] {
  const partitionOf = kafkajs().Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  const requests: Message[][] = [];
  let current: Message[] = [];
  let bytes = new Map<number, number>();
  for (const message of messages) {
    const partition = partitionOf({ topic: '', partitionMetadata, message });
    const size = sizeOf(message);
    const used = bytes.get(partition) ?? 0;
    if (used > 0 && used + size > MAX_PARTITION_BYTES_PER_REQUEST) {
      requests.push(current);
      current = [];
      bytes = new Map();
    }
    current.push(message);
    bytes.set(partition, (bytes.get(partition) ?? 0) + size);
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

function sizeOf(message: Message): number {
  let size = String(message.key ?? '').length + String(message.value ?? '').length;
  for (const [name, value] of Object.entries(message.headers ?? {})) size += name.length + String(value ?? '').length;
  return size;
}

async function partitionCount(kafka: Kafka, topic: string): Promise<number | null> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.length || null;
  } catch {
    return null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * kafka-relay: publishes every event of the log, in log order, to the event topic. A store-based
 * processor like the others (one active instance by lease, a checkpoint in the database): the
 * runner calls apply inside the transaction that moves the checkpoint, and apply returns only once
 * every broker in charge acknowledged the batch (acks = all), so the checkpoint commits after the
 * ack. At-least-once: a crash between ack and commit publishes the batch again; consumers skip
 * what they already applied (at or below their partition's log position). One request in flight
 * at a time (maxInFlightRequests 1, the batch's requests sent one after the other), so a retried
 * request cannot overtake the next one within a partition: each partition receives the log in log
 * order, which the consumers' dedupe relies on.
 *
 * Not the idempotent producer: the test broker (librdkafka's mock) refuses it, and the consumers'
 * dedupe by log position makes the broker-side dedupe redundant.
 */
export function createKafkaRelay(options: KafkaRelayOptions): KafkaRelay {
  let producer: Producer | null = null;
  let partitions: number | null = null;
  const connected = async (): Promise<Producer> => {
    if (partitions === null) {
      const { warning } = await ensureEventTopics(options.kafka, options.topic, options.partitions);
      if (warning) options.warn?.(warning);
      // Only sizes the requests: kafkajs partitions by the metadata it holds.
      partitions = (await partitionCount(options.kafka, options.topic)) ?? options.partitions;
    }
    if (producer) return producer;
    // The explicit partitioner: murmur2 of the key, the Java client's, so other clients agree.
    const created = options.kafka.producer({ createPartitioner: kafkajs().Partitioners.DefaultPartitioner, maxInFlightRequests: 1, idempotent: false, allowAutoTopicCreation: true });
    await created.connect();
    producer = created;
    return created;
  };
  return {
    name: KAFKA_RELAY,
    version: 1,
    readModelTables: [],
    // The topic was handed to the consumer groups: `db reset` must not publish the log again.
    keptOnReset: true,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    isTransientFailure: (error) => error instanceof KafkaUnavailableError,
    async apply(_tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
      if (events.length === 0) return;
      try {
        const ready = await connected();
        // One request at a time, in log order: a partition receives the log in order.
        for (const messages of produceRequests(events.map(toMessage), partitions ?? options.partitions)) {
          await ready.send({ topic: options.topic, acks: -1, messages });
        }
      } catch (error) {
        throw new KafkaUnavailableError(error);
      }
    },
    async close(): Promise<void> {
      const current = producer;
      producer = null;
      await current?.disconnect();
    },
  };
}
