import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { ProcessorHost, ProcessorRegistry, resetProcessors, type Processor } from '@caracal/processing';
import type { RecordedEvent, SqlClient, SqlEventStore } from '@caracal/event-store';
import { createProjections, PROJECTION_READ_MODEL_TABLES } from '@caracal/projections';
import { buildBudgetScenario, toNewEvents } from '@caracal/projections/testing';
import { startKafkaMockCluster, type KafkaMockCluster } from '@caracal/test-support/kafka-mock-cluster.js';
import { postgresStoreFixture } from '@caracal/test-support/postgres-store-fixture.js';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';
import { waitFor } from '@caracal/test-support/wait-for.js';
import { createKafkaRelay, deleteKafkaConsumerPositions, dlqTopicOf, KafkaConsumerGroup, kafkaConsumerLag, KAFKA_RELAY } from './index.js';

const runPostgres = await shouldRunPostgresTests('Kafka bus tests');
const describePostgres = runPostgres ? describe : describe.skip;

const TOPIC = 'caracal.events';
const silentLogger = () => undefined;

/** Every read-model row, in a stable order: what "row for row" compares. */
async function readModels(client: SqlClient): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of PROJECTION_READ_MODEL_TABLES) {
    const { rows } = await client.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM ${table} t ORDER BY 1`);
    out[table] = rows.map((row) => row.row);
  }
  return out;
}

describePostgres('Kafka bus on PostgreSQL and a Kafka-protocol broker (librdkafka mock)', () => {
  const fixture = postgresStoreFixture('kafka_bus');
  let client: SqlClient;
  let store: SqlEventStore;
  let cluster: KafkaMockCluster;
  let kafka: Kafka;
  let eventCount = 0;
  const streamIds: string[] = [];

  const appendScenarios = async (seeds: number[]): Promise<void> => {
    for (const seed of seeds) {
      const scenario = buildBudgetScenario({ seed, reservations: 40, start: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 86_400_000) });
      const fresh = toNewEvents(scenario.events);
      for (let i = 0; i < fresh.length; i += 50) await store.append(scenario.streamId, fresh.slice(i, i + 50), { expected: 'any' });
      eventCount += fresh.length;
      streamIds.push(scenario.streamId);
    }
  };
  // Counted on the topic, not by the relay's lag: the gap-free read holds events back while other
  // tests' transactions are open on the shared server, which would show a lag of 0 too early.
  const topicTotal = async (): Promise<number> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(TOPIC)).reduce((sum, p) => sum + Number(p.high), 0);
    } finally {
      await admin.disconnect();
    }
  };
  const relayCaughtUp = async (): Promise<boolean> => (await topicTotal()) >= eventCount;
  /** Every charge in the ledger and the spending, every denial in the ledger: what both buses must reach. */
  const projected = async (): Promise<boolean> => {
    const { rows } = await client.query<{ done: boolean }>(
      `SELECT (SELECT count(*) FROM events WHERE event_type IN ('SpendSettled', 'ReservationExpired')) = (SELECT count(*) FROM ledger_entries)
          AND (SELECT count(*) FROM events WHERE event_type IN ('SpendSettled', 'ReservationExpired')) = (SELECT count(*) FROM spending_charges)
          AND (SELECT count(*) FROM events WHERE event_type = 'SpendDenied') = (SELECT count(*) FROM ledger_denials) AS done`,
    );
    return rows[0].done;
  };
  const groupCaughtUp = async (group: string): Promise<boolean> =>
    (await kafkaConsumerLag(kafka, client, TOPIC, group, { sessionTimeoutMs: 10_000, oldestUnconsumed: false })).eventsBehind === 0n;

  beforeAll(async () => {
    ({ client, store } = await fixture.open());
    cluster = await startKafkaMockCluster({ [TOPIC]: 4, [dlqTopicOf(TOPIC)]: 1 });
    kafka = new Kafka({ clientId: 'kafka-bus-test', brokers: cluster.brokers, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 100, retries: 8 } });
    await appendScenarios([1, 2, 3]);
  });

  afterAll(async () => {
    await cluster?.stop();
    await fixture.close();
  });

  it('relay + consumer groups build the same ledger and spending, row for row, as the store bus; lag from offsets; redelivery does nothing', async () => {
    const storeHost = new ProcessorHost({ client, store, registry: new ProcessorRegistry(createProjections()), names: null, logger: silentLogger, tuning: { pollMs: 50 } });
    storeHost.start();
    const projections = createProjections();
    await waitFor(projected, 'store-bus projections complete', 60_000);
    await storeHost.stop();
    const viaStore = await readModels(client);
    expect(viaStore.ledger_entries.length).toBeGreaterThan(20);
    await resetProcessors(client, projections);

    const relay = createKafkaRelay({ kafka, topic: TOPIC, partitions: 4, warn: silentLogger });
    const relayHost = new ProcessorHost({ client, store, registry: new ProcessorRegistry([relay]), names: null, logger: silentLogger, tuning: { pollMs: 50 } });
    relayHost.start();
    const consumers = [...createProjections(), createProjections()[0]].map(
      (processor) => new KafkaConsumerGroup({ kafka, client, topic: TOPIC, processor, logger: silentLogger, sessionTimeoutMs: 10_000 }),
    );
    try {
      await Promise.all(consumers.map((consumer) => consumer.start()));
      await waitFor(relayCaughtUp, 'every event on the topic', 60_000);
      // Every event once on the topic, spread over the partitions by stream.
      expect(await topicTotal()).toBe(eventCount);
      await waitFor(async () => (await projected()) && (await groupCaughtUp('ledger-writer-group')) && (await groupCaughtUp('metrics-aggregator-group')), 'consumer groups at the high watermarks', 60_000);
      expect(await readModels(client)).toEqual(viaStore);

      const lag = await kafkaConsumerLag(kafka, client, TOPIC, 'ledger-writer-group', { sessionTimeoutMs: 10_000, oldestUnconsumed: true });
      expect(lag.partitions).toHaveLength(4);
      // Each stream's events on the partition murmur2 of its id picks (the streams' ids are random,
      // so how many partitions hold events varies from run to run).
      const partitionOf = Partitioners.DefaultPartitioner();
      const partitionMetadata = [0, 1, 2, 3].map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
      const expectedPartitions = new Set(streamIds.map((key) => partitionOf({ topic: TOPIC, partitionMetadata, message: { key, value: null } })));
      expect(new Set(lag.partitions.filter((p) => p.highWatermark !== '0').map((p) => p.partition))).toEqual(expectedPartitions);
      expect(lag.partitions.every((p) => p.lag === '0' && (p.highWatermark === '0' || p.committedOffset === p.highWatermark))).toBe(true);
      expect(lag.oldestUnconsumedAt).toBeNull();
      // Two members of ledger-writer-group share the partitions (the mock answers no DescribeGroups: the members' own reports).
      await waitFor(async () => (await kafkaConsumerLag(kafka, client, TOPIC, 'ledger-writer-group', { sessionTimeoutMs: 10_000, oldestUnconsumed: false })).members.length === 2, 'two members listed');
      const members = (await kafkaConsumerLag(kafka, client, TOPIC, 'ledger-writer-group', { sessionTimeoutMs: 10_000, oldestUnconsumed: false })).members;
      expect(members.flatMap((m) => m.partitions).sort()).toEqual([0, 1, 2, 3]);

      // At-least-once: the relay publishing the whole log again (a crash between ack and
      // checkpoint) changes nothing downstream: the events are skipped by id.
      await relayHost.stop();
      await client.query('UPDATE processor_checkpoints SET transaction_id = 0::text::xid8, global_position = 0 WHERE processor = $1', [KAFKA_RELAY]);
      relayHost.start();
      await waitFor(async () => (await topicTotal()) >= 2 * eventCount, 'the log on the topic twice', 60_000);
      await waitFor(async () => (await groupCaughtUp('ledger-writer-group')) && (await groupCaughtUp('metrics-aggregator-group')), 'groups past the republished log', 60_000);
      expect(await readModels(client)).toEqual(viaStore);
      // The dedupe state: one row per group and partition holding events, however many events went through.
      const positions = await client.query<{ consumer_group: string; n: string }>('SELECT consumer_group, count(*)::text AS n FROM kafka_consumer_positions GROUP BY 1 ORDER BY 1');
      const perGroup = String(expectedPartitions.size);
      expect(positions.rows).toEqual([{ consumer_group: 'ledger-writer-group', n: perGroup }, { consumer_group: 'metrics-aggregator-group', n: perGroup }]);

      // db reset with the groups stopped: the read models and the groups' positions go in one
      // transaction; restarted, the members read their partitions from the start (Kafka's committed
      // offsets are still at the high watermarks) and build the same read models again.
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      const reset = await resetProcessors(client, projections, { forgetProgress: deleteKafkaConsumerPositions });
      expect(reset.checkpoints).toBe(2 * expectedPartitions.size);
      expect((await client.query('SELECT 1 FROM ledger_entries')).rowCount).toBe(0);
      expect((await client.query('SELECT 1 FROM kafka_consumer_positions')).rowCount).toBe(0);
      await Promise.all(consumers.map((consumer) => consumer.start()));
      await waitFor(async () => (await projected()) && (await groupCaughtUp('ledger-writer-group')) && (await groupCaughtUp('metrics-aggregator-group')), 'groups rebuilt after db reset', 60_000);
      expect(await readModels(client)).toEqual(viaStore);
    } finally {
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await relayHost.stop();
      await relay.close();
    }
  }, 120_000);

  it('one position row per partition however many events; a redelivered batch is applied once; a stale member finishing an old batch changes nothing', async () => {
    await client.query('CREATE TABLE kafka_test_applied (event_id uuid NOT NULL)');
    // Counts applications, not distinct events: a double application shows as two rows.
    const counting: Processor = {
      name: 'counting-test-group',
      version: 1,
      readModelTables: ['kafka_test_applied'],
      eventTypes: ['TestCounted'],
      async apply(tx, events: readonly RecordedEvent[]) {
        await tx.query('INSERT INTO kafka_test_applied (event_id) SELECT unnest($1::uuid[])', [events.map((event) => event.eventId)]);
      },
    };
    const relay = createKafkaRelay({ kafka, topic: TOPIC, partitions: 4, warn: silentLogger });
    const relayHost = new ProcessorHost({ client, store, registry: new ProcessorRegistry([relay]), names: null, logger: silentLogger, tuning: { pollMs: 50 } });
    const consumer = new KafkaConsumerGroup({ kafka, client, topic: TOPIC, processor: counting, logger: silentLogger, sessionTimeoutMs: 10_000, batchSize: 7 });
    const appended: string[] = [];
    const append = async (streams: number, perStream: number): Promise<void> => {
      for (let s = 0; s < streams; s++) {
        const ids = Array.from({ length: perStream }, () => randomUUID());
        await store.append(`test-counted-${randomUUID()}`, ids.map((eventId) => ({ eventId, type: 'TestCounted', schemaVersion: 1, data: {}, metadata: {} })), { expected: 'any' });
        appended.push(...ids);
      }
    };
    const applied = async (): Promise<{ rows: number; distinct: number }> => {
      const { rows } = await client.query<{ rows: string; distinct: string }>('SELECT count(*)::text AS rows, count(DISTINCT event_id)::text AS distinct FROM kafka_test_applied');
      return { rows: Number(rows[0].rows), distinct: Number(rows[0].distinct) };
    };
    const positionRows = async (): Promise<number> => (await client.query('SELECT 1 FROM kafka_consumer_positions WHERE consumer_group = $1', ['counting-test-group'])).rowCount;
    relayHost.start();
    try {
      await consumer.start();
      await append(30, 20);
      await waitFor(async () => (await applied()).distinct === 600, '600 events applied', 60_000);
      expect(await positionRows()).toBeLessThanOrEqual(4);
      await append(30, 20);
      await waitFor(async () => (await applied()).distinct === 1_200 && (await groupCaughtUp('counting-test-group')), '1,200 events applied', 60_000);
      // Twice the events, still at most one row per partition (slices of 7 events: many transactions).
      expect(await positionRows()).toBeLessThanOrEqual(4);
      expect(await applied()).toEqual({ rows: 1_200, distinct: 1_200 });

      // A redelivery: the member restarts from offset 0 on every partition (as a member that lost
      // its partitions in a rebalance and finishes an older batch, or a crash before the commit),
      // so every batch comes again; nothing is applied twice.
      await consumer.stop();
      await client.query('UPDATE kafka_consumer_positions SET next_offset = 0 WHERE consumer_group = $1', ['counting-test-group']);
      const highWatermarks = async (): Promise<Map<number, string>> => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          return new Map((await admin.fetchTopicOffsets(TOPIC)).filter((p) => p.high !== '0').map((p) => [p.partition, p.high]));
        } finally {
          await admin.disconnect();
        }
      };
      await consumer.start();
      const redelivered = async (): Promise<boolean> => {
        const { rows } = await client.query<{ topic_partition: number; next_offset: string }>('SELECT topic_partition, next_offset::text FROM kafka_consumer_positions WHERE consumer_group = $1', ['counting-test-group']);
        const highs = await highWatermarks();
        return rows.length === highs.size && rows.every((row) => row.next_offset === highs.get(row.topic_partition));
      };
      await waitFor(redelivered, 'every partition read again to its high watermark', 60_000);
      expect(await applied()).toEqual({ rows: 1_200, distinct: 1_200 });
      expect(new Set(appended).size).toBe(1_200);
    } finally {
      await consumer.stop();
      await relayHost.stop();
      await relay.close();
    }
  }, 120_000);

  it('broker stopped and restarted mid-load: the relay and the groups pause, resume by themselves, nothing lost or doubled', async () => {
    const relay = createKafkaRelay({ kafka, topic: TOPIC, partitions: 4, warn: silentLogger });
    const relayHost = new ProcessorHost({ client, store, registry: new ProcessorRegistry([relay]), names: null, logger: silentLogger, tuning: { pollMs: 50 } });
    const consumers = createProjections().map((processor) => new KafkaConsumerGroup({ kafka, client, topic: TOPIC, processor, logger: silentLogger, sessionTimeoutMs: 10_000 }));
    relayHost.start();
    try {
      await Promise.all(consumers.map((consumer) => consumer.start()));
      const before = await topicTotal();
      const eventsBefore = eventCount;
      const load = appendScenarios([11, 12, 13, 14]);
      await cluster.down();
      await load;
      await cluster.up();
      // While it was down the appends went on (the log is the truth); the relay publishes them now.
      await waitFor(async () => (await topicTotal()) === before + (eventCount - eventsBefore) && (await projected()), 'relay and groups caught up after the restart', 90_000);
      await waitFor(async () => (await groupCaughtUp('ledger-writer-group')) && (await groupCaughtUp('metrics-aggregator-group')), 'groups at the high watermarks after the restart', 90_000);
      const counts = await client.query<{ charges: string; entries: string; recorded: string; denials: string; denied: string }>(
        `SELECT (SELECT count(*) FROM events WHERE event_type IN ('SpendSettled', 'ReservationExpired'))::text AS charges,
                (SELECT count(*) FROM ledger_entries)::text AS entries,
                (SELECT count(*) FROM spending_charges)::text AS recorded,
                (SELECT count(*) FROM events WHERE event_type = 'SpendDenied')::text AS denials,
                (SELECT count(*) FROM ledger_denials)::text AS denied`,
      );
      const row = counts.rows[0];
      expect(row.entries).toBe(row.charges);
      expect(row.recorded).toBe(row.charges);
      expect(row.denied).toBe(row.denials);
      expect((await client.query('SELECT 1 FROM dlq')).rowCount).toBe(0);
    } finally {
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await relayHost.stop();
      await relay.close();
    }
  }, 180_000);

  it('a poison event is parked in the DLQ table and topic after the bounded retries; the partition moves on', async () => {
    const poisonId = randomUUID();
    const applied: string[] = [];
    const poisoned: Processor = {
      name: 'poison-test-group',
      version: 1,
      readModelTables: [],
      eventTypes: ['TestPoison'],
      async apply(_tx, events: readonly RecordedEvent[]) {
        for (const event of events) {
          if (event.eventId === poisonId) throw new Error('cannot apply this one');
        }
        applied.push(...events.map((event) => event.eventId));
      },
    };
    const relay = createKafkaRelay({ kafka, topic: TOPIC, partitions: 4, warn: silentLogger });
    const relayHost = new ProcessorHost({ client, store, registry: new ProcessorRegistry([relay]), names: null, logger: silentLogger, tuning: { pollMs: 50 } });
    const consumer = new KafkaConsumerGroup({ kafka, client, topic: TOPIC, processor: poisoned, logger: silentLogger, sessionTimeoutMs: 10_000, retry: { maxAttempts: 3, initialDelayMs: 10 } });
    const after = randomUUID();
    const stream = `test-poison-${randomUUID()}`;
    await store.append(stream, [poisonId, after].map((eventId) => ({ eventId, type: 'TestPoison', schemaVersion: 1, data: {}, metadata: {} })), { expected: 'any' });
    relayHost.start();
    const dlqReader = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}` });
    const dlqMessages: { key: string; group: string; error: string }[] = [];
    try {
      await consumer.start();
      await waitFor(() => applied.includes(after), 'the event after the poison applied', 60_000);
      const parked = await client.query<{ event_id: string; attempts: number; status: string }>('SELECT event_id::text, attempts, status FROM dlq WHERE processor = $1', ['poison-test-group']);
      expect(parked.rows).toEqual([{ event_id: poisonId, attempts: 3, status: 'parked' }]);
      await dlqReader.connect();
      await dlqReader.subscribe({ topic: dlqTopicOf(TOPIC), fromBeginning: true });
      await dlqReader.run({
        eachMessage: async ({ message }) => {
          dlqMessages.push({ key: message.key?.toString() ?? '', group: message.headers?.['caracal-dlq-consumer-group']?.toString() ?? '', error: message.headers?.['caracal-dlq-error']?.toString() ?? '' });
        },
      });
      await waitFor(() => dlqMessages.length > 0, 'the poison event on the DLQ topic', 30_000);
      expect(dlqMessages).toEqual([{ key: stream, group: 'poison-test-group', error: 'cannot apply this one' }]);
    } finally {
      await dlqReader.disconnect();
      await consumer.stop();
      await relayHost.stop();
      await relay.close();
    }
  }, 120_000);
});
