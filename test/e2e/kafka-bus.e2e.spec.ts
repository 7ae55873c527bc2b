// The Kafka bus end to end, through real processes and the built CLI: a gateway and projectors
// with CARACAL_BUS=kafka (one relay, two ledger-writer-group members, one metrics-aggregator-group
// member) against librdkafka's mock broker. A burst of admissions; kill -9 of a ledger writer
// mid-load (the other takes its partitions); the broker stopped and restarted mid-load (the
// gateway keeps admitting, the processors pause and resume); the runbook's consumer-lag and
// Kafka backup lines verbatim; and the ledger and spending equal, row for row, to what the store
// bus builds from the same log.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresClient, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { ProcessorHost, ProcessorRegistry, resetProcessors } from '@caracal/processing';
import { createProjections, PROJECTION_READ_MODEL_TABLES } from '@caracal/projections';
import { caracalBinDir, sh } from '@caracal/test-support/cli-shell.js';
import { E2E_EVENT_AUTH_KEY, startGatewayProcess, startProjectorProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { startKafkaMockCluster, type KafkaMockCluster } from '@caracal/test-support/kafka-mock-cluster.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { runbookCommand } from '@caracal/test-support/runbook.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

jest.setTimeout(240_000);

const TOKEN = 'e2e-kafka-token';
const TOPIC = 'caracal.events';
const SESSION_MS = 6_000;
const runPostgres = await shouldRunPostgresTests('Kafka bus e2e');

(runPostgres ? describe : describe.skip)('Kafka bus: relay, consumer groups scaled out, kill -9, broker restart, runbook lines', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-kafka-e2e-'));
  const binDir = caracalBinDir();
  let cluster: KafkaMockCluster;
  let db: TestDatabase;
  let sql: SqlClient;
  let mock: MockUpstream;
  let gateway: GatewayProcess;
  let relay: GatewayProcess;
  let aggregator: GatewayProcess;
  const writers: GatewayProcess[] = [];
  let cliEnv: Record<string, string> = {};
  let env: Record<string, string> = {};
  const run = (commandLine: string) => sh(commandLine, { cwd: workDir, env: cliEnv, binDir });
  const lagJson = async (): Promise<any> => {
    const result = await run('caracal kafka consumer-lag --consumer-group ledger-writer-group --json');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout).items[0];
  };
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() as any };
  };
  const count = async (query: string): Promise<number> => Number((await sql.query<{ n: string }>(query)).rows[0].n);
  const charges = () => count("SELECT count(*)::text AS n FROM events WHERE event_type IN ('SpendSettled', 'ReservationExpired')");
  const entries = () => count('SELECT count(*)::text AS n FROM ledger_entries');
  const recorded = () => count('SELECT count(*)::text AS n FROM spending_charges');

  beforeAll(async () => {
    cluster = await startKafkaMockCluster({ [TOPIC]: 4, [`${TOPIC}.dlq`]: 1 });
    db = await createTestDatabase('e2e_kafka');
    sql = createPostgresClient({ connectionString: db.url, max: 3 });
    mock = await startMockUpstream();
    env = {
      DATABASE_URL: db.url, CARACAL_EVENT_AUTH_KEY: E2E_EVENT_AUTH_KEY, CARACAL_ADMIN_TOKEN: TOKEN, CARACAL_PRICEBOOK: pricebookWithResource(`${mock.url}/*`, '0.01'),
      CARACAL_BUS: 'kafka', KAFKA_BROKERS: cluster.brokers.join(','), CARACAL_KAFKA_SESSION_TIMEOUT_MS: String(SESSION_MS),
      CARACAL_BACKUP_DIR: join(workDir, 'backups'), CARACAL_PROCESSOR_LEASE_MS: '3000',
    };
    gateway = await startGatewayProcess(env, workDir);
    cliEnv = { CARACAL_URL: gateway.url, CARACAL_TOKEN: TOKEN };
    relay = await startProjectorProcess({ ...env, CARACAL_PROCESSORS: 'kafka-relay' }, workDir);
    aggregator = await startProjectorProcess({ ...env, CARACAL_PROCESSORS: 'metrics-aggregator-group' }, workDir);
    writers.push(
      await startProjectorProcess({ ...env, CARACAL_PROCESSORS: 'ledger-writer-group' }, workDir),
      await startProjectorProcess({ ...env, CARACAL_PROCESSORS: 'ledger-writer-group' }, workDir),
    );
  });
  afterAll(async () => {
    for (const process of [...writers, aggregator, relay]) await process?.stop();
    await gateway?.stop();
    await sql?.close();
    await db?.drop();
    await mock?.close();
    await cluster?.stop();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
  });

  it('burst, kill -9 of a ledger writer, broker restart: every charge once; runbook lines; equal to the store bus row for row', async () => {
    const created = await admin('POST', '/v1/agents', { name: 'kafka-bus', owner: 'ops@example.com' });
    const agentId = created.body.agent.agentId as string;
    const key = created.body.apiKey.key as string;
    await admin('POST', '/v1/policies', { agentId, limit: '100.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'test' });
    await admin('POST', '/v1/allowlists', { agentId, pattern: `${mock.url}/*`, patternType: 'glob' });
    let sent = 0;
    const burst = async (requests: number, during?: (done: number) => Promise<void>): Promise<void> => {
      const until = sent + requests;
      while (sent < until) {
        const batch = Array.from({ length: 10 }, () => fetch(`${gateway.url}/proxy`, {
          method: 'POST', headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${mock.url}/k/${sent++}` }, body: '{}',
        }).then((r) => r.status));
        // The gateway admits whatever the bus is doing: the log is the source of truth.
        expect(await Promise.all(batch)).toEqual(Array(10).fill(200));
        await during?.(sent);
      }
    };

    // Both ledger writers are members and share the four partitions (consumer-lag, through the CLI).
    // One answer must show both: while the group rebalances, a member can be listed before it
    // reports the partitions it was given.
    const assigned = (answer: { kafka: { members: { partitions: number[] }[] } }): number[] =>
      answer.kafka.members.flatMap((m) => m.partitions).sort();
    let two: Awaited<ReturnType<typeof lagJson>> = null;
    await waitFor(async () => (two = await lagJson()).kafka.members.length === 2 && assigned(two).join() === '0,1,2,3', 'two ledger-writer-group members sharing the four partitions', 60_000, 250)
      .catch((error: Error) => { throw new Error(`${error.message}; last answer: ${JSON.stringify(two)}; writers: ${writers.map((w) => w.output()).join('\n---\n')}`); });
    expect(two.bus).toBe('kafka');

    // Scale-out: kill -9 one writer mid-load; the other takes its partitions.
    let killed = false;
    let entriesAtKill = 0;
    await burst(120, async (done) => {
      // As soon as the bus delivers (or, at the latest, with most of the burst still to come).
      if (!killed && ((entriesAtKill = await entries()) > 0 || done >= 80)) {
        killed = true;
        await writers[0].kill('SIGKILL');
      }
    });
    expect(killed).toBe(true);
    expect(entriesAtKill).toBeLessThan(120);
    await waitFor(async () => (await entries()) === 120 && (await recorded()) === 120, 'all 120 charges in the ledger and the spending', 60_000, 200);
    await waitFor(async () => {
      const lag = await lagJson();
      // The survivor holds every partition once the group rebalanced (after the session timeout).
      return lag.kafka.members.length === 1 && lag.kafka.members[0].partitions.join(',') === '0,1,2,3' && lag.eventsBehind === 0;
    }, 'one member left, holding every partition, at the high watermarks', 60_000, 250);

    // Broker stopped and restarted mid-load: admissions go on, the bus catches up by itself.
    let stopped = false;
    await burst(60, async (done) => {
      if (!stopped && done >= 140) {
        stopped = true;
        await cluster.down();
      }
    });
    const health = await admin('GET', '/v1/ops/health');
    expect(health.status).toBe(200);
    expect(health.body.checks.kafka.status).toBe('degraded');
    await cluster.up();
    await waitFor(async () => (await entries()) === 180 && (await recorded()) === 180, 'all 180 charges after the broker restart', 120_000, 250)
      .catch(async (error: Error) => {
        const tail = (p: GatewayProcess) => p.output().split('\n').slice(-15).join('\n');
        throw new Error(`${error.message}; charges ${await charges()}, entries ${await entries()}, recorded ${await recorded()}; lag ${JSON.stringify(await lagJson())}\n` +
          `relay:\n${tail(relay)}\naggregator:\n${tail(aggregator)}\nwriter:\n${tail(writers[1])}`);
      });
    await waitFor(async () => (await lagJson()).eventsBehind === 0, 'lag back to 0', 60_000, 250);
    expect(await charges()).toBe(180);
    const ledger = await sql.query<{ entries: string; reservations: string; total: string }>(
      'SELECT count(*)::text AS entries, count(DISTINCT reservation_id)::text AS reservations, sum(amount_nanos)::text AS total FROM ledger_entries',
    );
    expect(ledger.rows[0]).toEqual({ entries: '180', reservations: '180', total: String(180n * 10_000_000n) });
    const healthy = await run('caracal db health-check --json');
    expect(JSON.parse(healthy.stdout).checks.kafka).toMatchObject({ status: 'ok', topic: TOPIC, topicPresent: true, partitions: 4 });

    // The runbook's lines, verbatim.
    const lag = await run(runbookCommand('caracal kafka consumer-lag'));
    expect(lag.code).toBe(0);
    expect(lag.stdout).toMatch(/ledger-writer-group on topic caracal\.events/);
    expect(lag.stdout).toMatch(/PARTITION\s+COMMITTED OFFSET\s+HIGH WATERMARK\s+LAG/);
    expect(lag.stdout).toMatch(/members \(1 member, /);
    expect(lag.stdout).toMatch(/bus: kafka/);
    // The runbook's line ends in " -", a bullet of the document's layout: the command is before it.
    const backupLine = runbookCommand('caracal backup create --type kafka').replace(/ -$/, '');
    expect(backupLine).toBe('caracal backup create --type kafka --tag "corruption-evidence"');
    const backup = await run(`${backupLine} --json`);
    expect(backup.code).toBe(0);
    const manifest = JSON.parse(backup.stdout);
    expect(manifest).toMatchObject({ type: 'kafka', encoding: 'kafka-topics-ndjson-gzip', tag: 'corruption-evidence' });
    const onTopic = manifest.kafka.topics.find((t: { topic: string }) => t.topic === TOPIC).partitions.reduce((sum: number, p: { messages: number }) => sum + p.messages, 0);
    expect(onTopic).toBeGreaterThanOrEqual(Number(manifest.logHead.events));
    const verified = await run(`caracal backup verify --backup-id ${manifest.backupId}`);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^OK: backup/);
    expect(verified.stdout).toMatch(/Against the event log: OK: .* 0 log events missing from the topic, 0 messages not in the log/);

    // `db reset` on the Kafka bus, the groups stopped first (as for any processor): the read models
    // and the groups' partition positions go in one transaction. Restarted, the groups read their
    // partitions from the start (Kafka's committed offsets still at the high watermarks) and build
    // the same read models again.
    for (const process of [...writers, aggregator]) await process.stop();
    const viaKafka = await readModels(sql);
    expect(await count('SELECT count(*)::text AS n FROM kafka_consumer_positions')).toBeGreaterThan(0);
    const reset = await run('caracal db reset --confirm --json');
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.stdout).kept).toEqual(expect.arrayContaining(['kafka-relay']));
    expect([await entries(), await recorded()]).toEqual([0, 0]);
    expect(await count('SELECT count(*)::text AS n FROM kafka_consumer_positions')).toBe(0);
    aggregator = await startProjectorProcess({ ...env, CARACAL_PROCESSORS: 'metrics-aggregator-group' }, workDir);
    writers.push(await startProjectorProcess({ ...env, CARACAL_PROCESSORS: 'ledger-writer-group' }, workDir));
    await waitFor(async () => (await entries()) === 180 && (await recorded()) === 180, 'the Kafka groups rebuilt after db reset', 60_000, 200);
    await waitFor(async () => (await lagJson()).eventsBehind === 0, 'lag back to 0 after the rebuild', 60_000, 250);
    expect(await readModels(sql)).toEqual(viaKafka);

    // Row for row: the store bus rebuilds the same read models from the same log.
    for (const process of [...writers, aggregator, relay]) await process.stop();
    const projections = createProjections();
    await resetProcessors(sql, projections);
    const store = new ProcessorHost({ client: sql, store: new SqlEventStore(sql), registry: new ProcessorRegistry(projections), names: null, logger: () => undefined, tuning: { pollMs: 50 } });
    store.start();
    try {
      await waitFor(async () => (await entries()) === 180 && (await recorded()) === 180, 'the store bus at the head', 60_000, 100);
    } finally {
      await store.stop();
    }
    expect(await readModels(sql)).toEqual(viaKafka);
  });
});

async function readModels(sql: SqlClient): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of PROJECTION_READ_MODEL_TABLES) {
    const { rows } = await sql.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM ${table} t ORDER BY 1`);
    out[table] = rows.map((row) => row.row);
  }
  return out;
}
