import { createRequire } from 'node:module';

type KafkaJs = typeof import('kafkajs');

const requireFromHere = createRequire(import.meta.url);
let loaded: KafkaJs | null = null;

/**
 * kafkajs, loaded on first use. Every process imports this library, and only a Kafka bus uses
 * kafkajs: loaded at start it was ~140 modules and several MB of each gateway's resident memory
 * (docs/benchmarks.md, "Peak RSS"), which the store bus never needs.
 */
export function kafkajs(): KafkaJs {
  loaded ??= requireFromHere('kafkajs') as KafkaJs;
  return loaded;
}
