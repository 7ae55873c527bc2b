import type { Kafka } from 'kafkajs';
import type { CaracalConfig, KafkaConfig } from '@caracal/config';
import type { SqlClient } from '@caracal/event-store';
import { createKafka, createKafkaRelay, KafkaConsumerGroup, type KafkaRelay } from '@caracal/messaging';
import type { ProcessorLogger, ProcessorRegistry } from '@caracal/processing';
import { LEDGER_WRITER, METRICS_AGGREGATOR } from '@caracal/projections';

/** The consumer groups that read the Kafka topic instead of the store when CARACAL_BUS=kafka. */
export const KAFKA_CONSUMER_GROUPS: readonly string[] = [LEDGER_WRITER, METRICS_AGGREGATOR];

export interface KafkaBusRuntime {
  config: KafkaConfig;
  kafka: Kafka;
  topic: string;
  relay: KafkaRelay;
  consumerGroups: readonly string[];
}

/**
 * With CARACAL_BUS=kafka: the Kafka client and the kafka-relay processor, registered beside the
 * others (the projector runs it; every process reports its lag, resets and retries around it).
 * null on the store bus.
 */
export function kafkaBusRuntime(config: Pick<CaracalConfig, 'bus' | 'kafka'>, registry: ProcessorRegistry): KafkaBusRuntime | null {
  if (config.bus !== 'kafka') return null;
  const kafka = createKafka(config.kafka);
  const relay = createKafkaRelay({ kafka, topic: config.kafka.topic, partitions: config.kafka.partitions, warn: (message) => console.warn(`caracal kafka-relay: ${message}`) });
  registry.register(relay);
  return { config: config.kafka, kafka, topic: config.kafka.topic, relay, consumerGroups: KAFKA_CONSUMER_GROUPS };
}

/** Which of the processors to run go to the store runners, which to Kafka consumer groups. */
export function splitByBus(names: readonly string[], bus: KafkaBusRuntime | null): { store: string[]; kafka: string[] } {
  if (!bus) return { store: [...names], kafka: [] };
  return { store: names.filter((name) => !bus.consumerGroups.includes(name)), kafka: names.filter((name) => bus.consumerGroups.includes(name)) };
}

export function kafkaConsumers(options: { bus: KafkaBusRuntime; names: readonly string[]; registry: ProcessorRegistry; client: SqlClient; owner: string; logger?: ProcessorLogger }): KafkaConsumerGroup[] {
  return options.names.map((name) => new KafkaConsumerGroup({
    kafka: options.bus.kafka, client: options.client, topic: options.bus.topic, processor: options.registry.get(name), owner: options.owner, logger: options.logger,
    sessionTimeoutMs: options.bus.config.sessionTimeoutMs,
    partitionsConcurrently: options.bus.config.partitionsConcurrently,
  }));
}
