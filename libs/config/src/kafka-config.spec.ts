import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './index.js';

const base = { CARACAL_DATA_DIR: join(tmpdir(), 'caracal-kafka-config') };

describe('Kafka bus settings', () => {
  it('defaults to the store bus, with no broker', () => {
    const config = loadConfig(base);
    expect(config.bus).toBe('event-store');
    expect(config.kafka).toMatchObject({ brokers: [], clientId: 'caracal', topic: 'caracal.events', partitions: 12, sessionTimeoutMs: 30_000, partitionsConcurrently: 4, ssl: false, sasl: null });
  });

  it('reads brokers, client id, topic, TLS and SASL from the environment', () => {
    const config = loadConfig({
      ...base, CARACAL_BUS: 'kafka', KAFKA_BROKERS: 'k0:9092, k1:9092', CARACAL_KAFKA_CLIENT_ID: 'caracal-prod', CARACAL_KAFKA_TOPIC: 'prod.events',
      CARACAL_KAFKA_SSL: 'true', CARACAL_KAFKA_SASL_MECHANISM: 'scram-sha-512', CARACAL_KAFKA_SASL_USERNAME: 'u', CARACAL_KAFKA_SASL_PASSWORD: 'p',
    });
    expect(config.bus).toBe('kafka');
    expect(config.kafka).toMatchObject({ brokers: ['k0:9092', 'k1:9092'], clientId: 'caracal-prod', topic: 'prod.events', ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
  });

  it('reads them from the YAML file, the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'caracal-kafka-yaml-'));
    const file = join(dir, 'caracal.yaml');
    writeFileSync(file, 'bus: kafka\nkafka:\n  brokers: y0:9092\n  topic: yaml.events\n  partitions: 6\n  ssl: true\n');
    const config = loadConfig({ ...base, CARACAL_CONFIG: file, CARACAL_KAFKA_TOPIC: 'env.events' });
    expect(config.kafka).toMatchObject({ brokers: ['y0:9092'], topic: 'env.events', partitions: 6, ssl: true });
  });

  it('refuses the Kafka bus without brokers, an unknown bus or SASL mechanism, and SASL without credentials, naming the setting', () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).setting;
      }
      throw new Error('accepted');
    };
    expect(refused({ CARACAL_BUS: 'kafka' })).toBe('KAFKA_BROKERS');
    expect(refused({ CARACAL_BUS: 'rabbitmq' })).toBe('CARACAL_BUS');
    expect(refused({ KAFKA_BROKERS: 'k:9092', CARACAL_KAFKA_SASL_MECHANISM: 'gssapi' })).toBe('CARACAL_KAFKA_SASL_MECHANISM');
    expect(refused({ KAFKA_BROKERS: 'k:9092', CARACAL_KAFKA_SASL_MECHANISM: 'plain' })).toBe('CARACAL_KAFKA_SASL_USERNAME');
    expect(refused({ CARACAL_KAFKA_TOPIC: 'bad topic!' })).toBe('CARACAL_KAFKA_TOPIC');
  });
});
