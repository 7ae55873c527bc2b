import type { Kafka, LogEntry, SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '@caracal/config';
import { kafkajs } from './kafkajs.loader.js';

/**
 * A kafkajs client from the configuration (brokers, client id, TLS, SASL). kafkajs logs at ERROR
 * only, one line each: while a broker is down it retries on its own and our callers report the
 * outage once (health, processor status).
 */
export function createKafka(config: KafkaConfig, clientSuffix?: string): Kafka {
  const { Kafka, logLevel } = kafkajs();
  return new Kafka({
    clientId: clientSuffix ? `${config.clientId}-${clientSuffix}` : config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    ...(config.sasl ? { sasl: config.sasl as SASLOptions } : {}),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 5 },
    logLevel: logLevel.ERROR,
    logCreator: () => ({ namespace, log }: LogEntry) => {
      console.error(`kafkajs ${namespace}: ${log.message}${log.broker ? ` (broker ${String(log.broker)})` : ''}`);
    },
  });
}
