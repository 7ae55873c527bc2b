/**
 * Bus benchmark: events per second from the log to the ledger, through kafka-relay + Kafka +
 * ledger-writer-group as a Kafka consumer group, against the store bus (the ledger writer reading
 * the log directly), on the same log, in the same run. The broker is librdkafka's mock cluster
 * (test/support/kafka-mock-cluster.ts, needs gcc and librdkafka-dev): a real Kafka-protocol
 * broker in one process, so the figure is the client path (produce with acks, fetch, commit,
 * the position rows), not a tuned Kafka cluster's. Each round also times the relay alone (its
 * checkpoint at the head of the log) and a raw kafkajs produce/consume of the log's own messages
 * on the mock with no Caracal code: the broker's share of the bound. Not a test.
 *
 *   npm run build && node dist/bench/bus/main.js [--events 40000] [--rounds 3] [--partitions 12] (--help)
 *
 * The mock broker keeps only about 5 MB per partition (it drops the oldest message sets past
 * that, as retention would): events x ~1 KB / partitions must stay under it, which the run checks
 * (low watermarks 0) rather than report a figure for a ledger missing events.
 *
 * DATABASE_URL selects the server (default local trust auth); the benchmark creates and drops its
 * own database. Results: docs/benchmarks.md, "Bus".
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners, type Message } from 'kafkajs';
import { createPostgresClient, runMigrations, SqlEventStore, START_OF_LOG, type SqlClient } from '@caracal/event-store';
import { createKafkaRelay, deleteKafkaConsumerPositions, KafkaConsumerGroup, KAFKA_RELAY, produceRequests, toMessage } from '@caracal/messaging';
import { ProcessorHost, ProcessorRegistry, resetProcessors, type Processor } from '@caracal/processing';
import { createLedgerWriter } from '@caracal/projections';
import { startKafkaMockCluster } from '@caracal/test-support/kafka-mock-cluster.js';
import { generateLog } from '../replay/generate.js';
import { createBenchDatabase } from '../support/bench-database.js';
import { describeSpread, formatCount, median } from '../support/spread.js';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const USAGE = `node dist/bench/bus/main.js [options]
  --events <n>      events in the generated log (default 40000; ~1 KB each, under the mock's ~5 MB per partition)
  --rounds <n>      rounds, each the store bus then the Kafka bus from an empty ledger (default 3)
  --partitions <n>  partitions of the event topic (default 12)
  --help            this text`;
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '40000' },
    rounds: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '12' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const EVENTS = Number(args.events);
const ROUNDS = Number(args.rounds);
const PARTITIONS = Number(args.partitions);
const quiet = () => undefined;

async function ledgerComplete(client: SqlClient, expected: { entries: number; denials: number }): Promise<boolean> {
  const { rows } = await client.query<{ entries: string; denials: string }>(
    'SELECT (SELECT count(*) FROM ledger_entries)::text AS entries, (SELECT count(*) FROM ledger_denials)::text AS denials',
  );
  return Number(rows[0].entries) === expected.entries && Number(rows[0].denials) === expected.denials;
}

async function until(condition: () => Promise<boolean>, what: string, deadlineMs = 30 * 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function storeBus(client: SqlClient, ledger: Processor, expected: { entries: number; denials: number }): Promise<number> {
  await resetProcessors(client, [ledger]);
  const host = new ProcessorHost({ client, store: new SqlEventStore(client), registry: new ProcessorRegistry([ledger]), names: null, logger: quiet, tuning: { pollMs: 20 } });
  const started = performance.now();
  host.start();
  await until(() => ledgerComplete(client, expected), 'the store bus ledger');
  const seconds = (performance.now() - started) / 1000;
  await host.stop();
  return seconds;
}

/** Whether the relay's checkpoint is at the head of the log: every event acknowledged by the broker. */
async function relayDone(client: SqlClient): Promise<boolean> {
  const { rows } = await client.query<{ done: boolean }>(
    'SELECT coalesce((SELECT global_position FROM processor_checkpoints WHERE processor = $1), 0) >= (SELECT max(global_position) FROM events) AS done',
    [KAFKA_RELAY],
  );
  return rows[0].done;
}

/** Wall seconds to a complete ledger, and to the relay's checkpoint at the head of the log (the topic complete). */
async function kafkaBus(client: SqlClient, kafka: Kafka, ledger: Processor, topic: string, expected: { entries: number; denials: number }): Promise<{ seconds: number; relaySeconds: number }> {
  await resetProcessors(client, [ledger], { forgetProgress: deleteKafkaConsumerPositions });
  await client.query("DELETE FROM processor_checkpoints WHERE processor = $1", [KAFKA_RELAY]);
  const relay = createKafkaRelay({ kafka, topic, partitions: PARTITIONS, warn: quiet });
  const host = new ProcessorHost({ client, store: new SqlEventStore(client), registry: new ProcessorRegistry([relay]), names: null, logger: quiet, tuning: { pollMs: 20 } });
  const consumer = new KafkaConsumerGroup({ kafka, client, topic, processor: ledger, logger: quiet, sessionTimeoutMs: 10_000 });
  const started = performance.now();
  host.start();
  await consumer.start();
  let relaySeconds: number | null = null;
  await until(async () => {
    if (relaySeconds === null && (await relayDone(client))) relaySeconds = (performance.now() - started) / 1000;
    return ledgerComplete(client, expected);
  }, 'the Kafka bus ledger');
  const seconds = (performance.now() - started) / 1000;
  const admin = kafka.admin();
  await admin.connect();
  const dropped = (await admin.fetchTopicOffsets(topic)).filter((p) => p.low !== '0');
  await admin.disconnect();
  if (dropped.length > 0) throw new Error(`the mock broker dropped old messages (partitions ${dropped.map((p) => p.partition).join(', ')}): use fewer --events or more --partitions`);
  await consumer.stop();
  await host.stop();
  await relay.close();
  return { seconds, relaySeconds: relaySeconds ?? seconds };
}

/**
 * The broker's share: the log's own messages (same keys, values and headers) produced in the
 * relay's requests (acks=all, one at a time) and consumed by a plain kafkajs group (eachBatch,
 * an offset commit per batch, as many partitions at once as ledger-writer-group), with no
 * Caracal code and no database in between. Messages/s of each half.
 */
async function rawKafka(kafka: Kafka, topic: string, messages: readonly Message[]): Promise<{ produce: number; consume: number }> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, maxInFlightRequests: 1, idempotent: false });
  await producer.connect();
  let started = performance.now();
  for (let i = 0; i < messages.length; i += 5_000) {
    for (const request of produceRequests(messages.slice(i, i + 5_000), PARTITIONS)) await producer.send({ topic, acks: -1, messages: request });
  }
  const produce = messages.length / ((performance.now() - started) / 1000);
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-raw`, sessionTimeout: 10_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => { done = resolve; });
  started = performance.now();
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset }) => {
      resolveOffset(batch.lastOffset());
      await consumer.commitOffsets([{ topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
      seen += batch.messages.length;
      if (seen >= messages.length) done();
    },
  });
  await finished;
  const consume = messages.length / ((performance.now() - started) / 1000);
  await consumer.disconnect();
  return { produce, consume };
}

const database = await createBenchDatabase(ADMIN_URL, 'caracal_bench_bus', { keep: false, events: EVENTS });
const client = createPostgresClient({ connectionString: database.url, max: 8 });
const cluster = await startKafkaMockCluster(Object.fromEntries(Array.from({ length: ROUNDS }, (_, round) => [[`bench.events.r${round}`, PARTITIONS], [`bench.raw.r${round}`, PARTITIONS]]).flat()));
try {
  await runMigrations(client);
  console.log(`generating ${formatCount(EVENTS)} events...`);
  const log = await generateLog(client, { events: EVENTS });
  const { rows } = await client.query<{ charges: string; denials: string }>(
    "SELECT count(*) FILTER (WHERE event_type IN ('SpendSettled', 'ReservationExpired'))::text AS charges, count(*) FILTER (WHERE event_type = 'SpendDenied')::text AS denials FROM events",
  );
  const expected = { entries: Number(rows[0].charges), denials: Number(rows[0].denials) };
  console.log(`log: ${formatCount(log.events)} events, ${formatCount(expected.entries)} charges, ${formatCount(expected.denials)} denials, ${log.streams} streams`);
  const kafka = new Kafka({ clientId: 'bench-bus', brokers: cluster.brokers, logLevel: logLevel.NOTHING });
  const ledger = createLedgerWriter();
  const logMessages = (await new SqlEventStore(client).readAll({ after: START_OF_LOG, maxCount: EVENTS + 1 })).map(toMessage);
  const rawProduce: number[] = [];
  const rawConsume: number[] = [];
  const store: number[] = [];
  const viaKafka: number[] = [];
  const relayed: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternated, so drift on the shared machine weighs on both.
    store.push(log.events / (await storeBus(client, ledger, expected)));
    const kafkaRun = await kafkaBus(client, kafka, ledger, `bench.events.r${round}`, expected);
    viaKafka.push(log.events / kafkaRun.seconds);
    relayed.push(log.events / kafkaRun.relaySeconds);
    const raw = await rawKafka(kafka, `bench.raw.r${round}`, logMessages);
    rawProduce.push(raw.produce);
    rawConsume.push(raw.consume);
    console.log(`round ${round + 1}: store bus ${formatCount(Math.round(store[round]))} events/s, Kafka bus ${formatCount(Math.round(viaKafka[round]))} events/s ` +
      `(the relay had the whole log on the topic after ${kafkaRun.relaySeconds.toFixed(1)} s of ${kafkaRun.seconds.toFixed(1)} s); ` +
      `raw kafkajs on the mock: produce ${formatCount(Math.round(raw.produce))}/s, consume ${formatCount(Math.round(raw.consume))}/s`);
  }
  console.log('');
  console.log(`log -> ledger, ${formatCount(log.events)} events, ${ROUNDS} rounds, ${PARTITIONS} partitions:`);
  console.log(`  store bus (ledger writer reads the log):           median ${formatCount(Math.round(median(store)))} events/s (${describeSpread(store)})`);
  console.log(`  Kafka bus (relay -> topic -> ledger-writer-group): median ${formatCount(Math.round(median(viaKafka)))} events/s (${describeSpread(viaKafka)})`);
  console.log(`  relay (log -> topic, acknowledged), same runs:    median ${formatCount(Math.round(median(relayed)))} events/s (${describeSpread(relayed)})`);
  console.log(`  raw kafkajs produce on the mock (no Caracal code): median ${formatCount(Math.round(median(rawProduce)))} messages/s (${describeSpread(rawProduce)})`);
  console.log(`  raw kafkajs consume on the mock (no Caracal code): median ${formatCount(Math.round(median(rawConsume)))} messages/s (${describeSpread(rawConsume)})`);
  console.log(`  ratio Kafka/store: ${(median(viaKafka) / median(store)).toFixed(2)}`);
} finally {
  await cluster.stop();
  await client.close();
  await database.drop();
}
