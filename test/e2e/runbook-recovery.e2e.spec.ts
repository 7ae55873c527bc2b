// The runbook's "Create Ledger Snapshot" and "Event Replay Recovery" procedures, verbatim through
// the built CLI against real processes. The `kubectl scale` lines become stopping and starting the
// processes that run the processors: the projector on the production profile; on the embedded
// profile the gateway itself, restarted with CARACAL_RUN_PROCESSORS=false while the read models
// are restored (docs/recovery.md).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresClient, type SqlClient } from '@caracal/event-store';
import { caracalBinDir, sh } from '@caracal/test-support/cli-shell.js';
import { E2E_EVENT_AUTH_KEY, startGatewayProcess, startProjectorProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { runbookCommand } from '@caracal/test-support/runbook.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

// Several process restarts and many CLI runs: slower than the file's usual two minutes on a busy machine.
jest.setTimeout(300_000);

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const MERKLE = { CARACAL_MERKLE_BATCH_LEAVES: '16', CARACAL_MERKLE_MAX_BATCH_AGE_MS: '300' };

/** The processes of a profile, and how to stop and start the ones that run the processors. */
interface Deployment {
  gatewayUrl(): string;
  cliEnv(): Record<string, string>;
  stopProcessors(): Promise<void>;
  startProcessors(): Promise<void>;
  /** A `kill -9` of the process running the processors (null: the profile cannot show it apart from the gateway). */
  killProcessors: (() => Promise<void>) | null;
  sql: SqlClient | null;
  close(): Promise<void>;
}

async function embeddedDeployment(workDir: string, pricebook: string): Promise<Deployment> {
  const env = { CARACAL_DATA_DIR: join(workDir, '.caracal'), CARACAL_PRICEBOOK: pricebook, ...MERKLE };
  let gateway = await startGatewayProcess(env, workDir);
  return {
    gatewayUrl: () => gateway.url,
    cliEnv: () => ({}), // the CLI finds the embedded gateway through the data dir
    async stopProcessors() {
      await gateway.stop();
      gateway = await startGatewayProcess({ ...env, CARACAL_RUN_PROCESSORS: 'false' }, workDir);
    },
    async startProcessors() {
      await gateway.stop();
      gateway = await startGatewayProcess(env, workDir);
    },
    killProcessors: null,
    sql: null,
    close: async () => void (await gateway.stop()),
  };
}

async function productionDeployment(workDir: string, pricebook: string): Promise<Deployment> {
  const db: TestDatabase = await createTestDatabase('e2e_recovery');
  const keyFile = join(workDir, 'merkle-signing-key.pem');
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const token = 'e2e-recovery-token';
  const env = { DATABASE_URL: db.url, CARACAL_EVENT_AUTH_KEY: E2E_EVENT_AUTH_KEY, CARACAL_ADMIN_TOKEN: token, CARACAL_PRICEBOOK: pricebook, CARACAL_MERKLE_SIGNING_KEY_FILE: keyFile, ...MERKLE };
  const gateway = await startGatewayProcess(env, workDir);
  let projector: GatewayProcess | null = await startProjectorProcess(env, workDir);
  const sql = createPostgresClient({ connectionString: db.url, max: 3 });
  return {
    gatewayUrl: () => gateway.url,
    cliEnv: () => ({ CARACAL_URL: gateway.url, CARACAL_TOKEN: token }),
    async stopProcessors() {
      await projector?.stop();
      projector = null;
    },
    async startProcessors() {
      projector = await startProjectorProcess(env, workDir);
    },
    async killProcessors() {
      await projector?.kill('SIGKILL');
      projector = null;
    },
    sql,
    async close() {
      await projector?.stop();
      await gateway.stop();
      await sql.close();
      await db.drop();
    },
  };
}

// `separateProcessors`: the processors run in a process of their own that a test can kill -9
// mid-replay (on the embedded profile they are the gateway, restarted in the test above).
const profiles: { name: string; deploy: typeof embeddedDeployment; separateProcessors: boolean }[] = [
  { name: 'embedded (PGlite)', deploy: embeddedDeployment, separateProcessors: false },
];
if (process.env.CI === 'true' || (await postgresAvailable())) {
  profiles.push({ name: 'production (PostgreSQL, gateway + projector)', deploy: productionDeployment, separateProcessors: true });
}

describe.each(profiles)('runbook Event Replay Recovery, verbatim, on $name', ({ deploy, separateProcessors }) => {
  const binDir = caracalBinDir();
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-recovery-e2e-'));
  let mock: MockUpstream;
  let deployment: Deployment;
  let agentId: string;
  let key: string;
  let requests = 0;

  const run = (commandLine: string) => sh(commandLine, { cwd: workDir, env: deployment.cliEnv(), binDir });
  const json = async (commandLine: string) => {
    const result = await run(`${commandLine} --json`);
    expect(result).toMatchObject({ code: 0 });
    return JSON.parse(result.stdout);
  };
  /** A burst of concurrent proxied calls. */
  const burst = async (n: number): Promise<void> => {
    const statuses = await Promise.all(Array.from({ length: n }, () => fetch(`${deployment.gatewayUrl()}/proxy`, {
      method: 'POST', headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${mock.url}/call/${requests++}` }, body: '{}',
    }).then(async (response) => (await response.arrayBuffer(), response.status))));
    expect(statuses.every((status) => status === 200)).toBe(true);
  };
  /** Everything the read models answer for the agent: entries, totals and the policy windows. */
  const readModels = async () => {
    const usage = await json(`caracal ledger query --agent-id ${agentId} --time-window daily`);
    return {
      entries: await json(`caracal ledger query --agent-id ${agentId} --start-time "2024-01-01T00:00:00Z" --end-time now --limit 500`),
      usage: { ...usage, at: undefined }, // when it was asked
    };
  };
  const entries = async () => (await json(`caracal ledger query --agent-id ${agentId} --start-time "2024-01-01T00:00:00Z" --end-time now --limit 500`)).items as unknown[];
  const projected = (n: number) => waitFor(async () => (await entries()).length === n, `${n} ledger entries projected`, 60_000, 200);

  beforeAll(async () => {
    mock = await startMockUpstream();
    deployment = await deploy(workDir, pricebookWithResource(`${mock.url}/*`, '0.01'));
    const created = await run(runbookCommand('caracal agent create'));
    agentId = UUID.exec(created.stdout)![0];
    key = /ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(created.stdout)![0];
    expect((await run(runbookCommand('caracal policy create', { 'agent-id': agentId }))).code).toBe(0);
    expect((await run(`caracal allowlist create --agent-id ${agentId} --pattern "${mock.url}/*" --pattern-type glob`)).code).toBe(0);
  });
  afterAll(async () => {
    await deployment?.close();
    await mock?.close();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
  });

  it('snapshot, more traffic, stop, reset, restore, replay, status, verify: the read models equal the ones before the reset', async () => {
    await burst(24);
    await projected(24);

    // Create Ledger Snapshot
    const created = await run(runbookCommand('caracal snapshot create'));
    expect(created.code).toBe(0);
    const snapshotId = /Snapshot ID: +(\S+)/.exec(created.stdout)![1];
    expect(created.stdout).toMatch(/ledger_entries +24/);
    const listed = await run(runbookCommand('caracal snapshot list'));
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(snapshotId);

    await burst(16); // after the snapshot: the replay must bring these back
    await projected(40);
    const before = await readModels();

    // Event Replay Recovery
    await deployment.stopProcessors(); // kubectl scale deployment/caracal-ledger-writer --replicas=0
    const reset = await run(runbookCommand('caracal db reset'));
    expect(reset.code).toBe(0);
    expect(await entries()).toEqual([]);
    const restored = await run(runbookCommand('caracal snapshot restore', { 'snapshot-id': snapshotId }, 1));
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('checksum verified');
    expect(await entries()).toHaveLength(24);
    const started = await run(runbookCommand('caracal replay start', { 'snapshot-id': snapshotId }));
    expect(started.code).toBe(0);
    const jobId = /Replay job (\S+) started/.exec(started.stdout)![1];

    await deployment.startProcessors(); // the consumers come back and run the job
    await waitFor(async () => (await json('caracal replay status')).items[0]?.state === 'completed', 'the replay to complete', 60_000, 250);
    const status = await run(runbookCommand('caracal replay status'));
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(jobId);
    expect(status.stdout).toMatch(/State: +completed/);
    expect(status.stdout).toContain('100%');
    await projected(40);
    expect(await readModels()).toEqual(before);

    await waitFor(async () => (await json('caracal merkle verify-range --start-time 2024-01-01T00:00:00Z --end-time now')).totals.unsealedEvents === 0, 'every event sealed', 60_000, 250);
    const verified = await run(runbookCommand('caracal merkle verify-range', { timestamp: '2024-01-01T00:00:00Z' }, 1));
    expect(verified.code).toBe(0);

    // Live processing after the handover.
    await burst(4);
    await projected(44);
  });

  (separateProcessors ? it : it.skip)('kill -9 of the process running a replay mid-way: a restarted one resumes it; no entry missing or doubled', async () => {
    const sql = deployment.sql!;
    await burst(8);
    await projected(52);
    const before = await readModels();
    const rows = async () => ({
      ledger: (await sql.query('SELECT * FROM ledger_entries ORDER BY reservation_id')).rows,
      buckets: (await sql.query('SELECT * FROM spending_buckets ORDER BY agent_id, currency, bucket_start')).rows,
    });
    const rowsBefore = await rows();

    await deployment.stopProcessors();
    expect((await run('caracal db reset --confirm')).code).toBe(0);
    const started = await run('caracal replay start --from-start');
    expect(started.code).toBe(0);
    // Hold the metrics aggregator's table: the ledger writer replays, the aggregator cannot commit,
    // so the job is caught mid-way when its process dies.
    let release: () => void = () => {};
    const held = sql.transaction(async (tx) => {
      await tx.query('LOCK TABLE spending_buckets IN EXCLUSIVE MODE');
      await new Promise<void>((resolve) => (release = resolve));
    });
    await deployment.startProcessors();
    await waitFor(async () => {
      const job = (await json('caracal replay status')).items[0];
      return job.state === 'running' && BigInt(job.eventsProcessed) > 0n;
    }, 'the replay to be under way', 60_000, 200);
    const midway = (await json('caracal replay status')).items[0];
    expect(BigInt(midway.eventsProcessed)).toBeLessThan(BigInt(midway.eventsTotal));
    await deployment.killProcessors!();
    release();
    await held;

    await deployment.startProcessors();
    const watched = await run('caracal replay status --watch');
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/State: +completed/);
    await projected(52);
    expect(await readModels()).toEqual(before);
    expect(await rows()).toEqual(rowsBefore);
  });
});
