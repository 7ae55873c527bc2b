import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { RecordedEvent, SqlExecutor } from '@caracal/event-store';
import type { Processor } from '@caracal/processing';
import { ensureEventTopics } from './event-topics.js';
import { toMessage } from './event-message.js';
import { KafkaUnavailableError } from './kafka.errors.js';

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
}

/**
 * kafka-relay: publishes every event of the log, in log order, to the event topic. A store-based
 * processor like the others (one active instance by lease, a checkpoint in the database): the
 * runner calls apply inside the transaction that moves the checkpoint, and apply returns only once
 * every broker in charge acknowledged the batch (acks = all), so the checkpoint commits after the
 * ack. At-least-once: a crash between ack and commit publishes the batch again; consumers skip
 * what they already applied (by event id). One batch in flight at a time (maxInFlightRequests 1),
 * so a retried request cannot overtake the next one within a partition.
 *
 * Not the idempotent producer: the test broker (librdkafka's mock) refuses it, and the consumers'
 * dedupe by event id makes the broker-side dedupe redundant.
 */
export function createKafkaRelay(options: KafkaRelayOptions): KafkaRelay {
  let producer: Producer | null = null;
  let topicsChecked = false;
  const connected = async (): Promise<Producer> => {
    if (!topicsChecked) {
      const { warning } = await ensureEventTopics(options.kafka, options.topic, options.partitions);
      if (warning) options.warn?.(warning);
      topicsChecked = true;
    }
    if (producer) return producer;
    // The explicit partitioner: murmur2 of the key, the Java client's, so other clients agree.
    const created = options.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, maxInFlightRequests: 1, idempotent: false, allowAutoTopicCreation: true });
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
    isTransientFailure: (error) => error instanceof KafkaUnavailableError,
    async apply(_tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
      if (events.length === 0) return;
      try {
        await (await connected()).send({ topic: options.topic, acks: -1, messages: events.map(toMessage) });
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
