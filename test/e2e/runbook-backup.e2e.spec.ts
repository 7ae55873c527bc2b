// The runbook's PostgreSQL Backup / Restore, through the built CLI and real processes:
// `caracal backup create --type postgresql`, the restore with `gunzip -c … | psql` into an empty
// database of a NEW cluster (kubectl lines replaced by stopping and starting the processes), the
// gateway and projector started on it: state equal, verify-range passes, and new admissions reach
// every processor although the new cluster's transaction ids are below the restored ones. On the
// embedded profile: backup create, verify --trial-restore, backup restore.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { caracalBinDir, sh, type ShellResult } from '@caracal/test-support/cli-shell.js';
import { E2E_EVENT_AUTH_KEY, startGatewayProcess, startProjectorProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { runbookCommand } from '@caracal/test-support/runbook.js';
import { startScratchCluster, type ScratchCluster } from '@caracal/test-support/scratch-postgres-cluster.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

jest.setTimeout(180_000);

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const MERKLE = { CARACAL_MERKLE_BATCH_LEAVES: '4', CARACAL_MERKLE_MAX_BATCH_AGE_MS: '300' };
const VERIFY_RANGE = 'caracal merkle verify-range --start-time 2024-01-01T00:00:00Z --end-time now';

/** What the operator sets up once: an agent with a budget and an allowlisted upstream. */
async function setUpAgent(run: (line: string) => Promise<ShellResult>, mockUrl: string): Promise<{ agentId: string; key: string }> {
  const created = await run(runbookCommand('caracal agent create'));
  expect(created.code).toBe(0);
  const agentId = UUID.exec(created.stdout)![0];
  const key = /ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(created.stdout)![0];
  expect((await run(runbookCommand('caracal policy create', { 'agent-id': agentId }))).code).toBe(0);
  expect((await run(`caracal allowlist create --agent-id ${agentId} --pattern "${mockUrl}/*" --pattern-type glob`)).code).toBe(0);
  return { agentId, key };
}

async function admit(gatewayUrl: string, key: string, mockUrl: string, calls: number, from: number): Promise<void> {
  for (let i = from; i < from + calls; i++) {
    const response = await fetch(`${gatewayUrl}/proxy`, { method: 'POST', headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${mockUrl}/call/${i}` }, body: '{}' });
    expect(response.status).toBe(200);
  }
}

/** A GET of the admin API: the polls of the tests (the runbook's lines go through the CLI). */
async function apiGet<T>(gatewayUrl: string, token: string, path: string): Promise<T> {
  const response = await fetch(`${gatewayUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

const ledgerPath = (agentId: string) => `/v1/ledger/entries?agentId=${agentId}&startTime=2024-01-01T00:00:00Z&endTime=now&limit=100`;

/** Every table's rows, in a stable order, without what a restore may renumber or a start refresh. */
async function databaseState(url: string): Promise<Record<string, string[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('processor_leases') ORDER BY 1",
    );
    const state: Record<string, string[]> = {};
    for (const { name } of tables) {
      const { rows } = await client.query<{ row: string }>(
        // Transaction ids, and the bound from which events must carry a tag, are renumbered in a
        // new cluster (transaction-id-rebase.ts): compared by what they order, not by value.
        `SELECT (to_jsonb(t) - 'transaction_id' - 'required_from' - 'updated_at')::text AS row FROM "${name}" t ORDER BY 1`,
      );
      state[name] = rows.map((r) => r.row);
    }
    return state;
  } finally {
    await client.end();
  }
}

async function maxEventTransactionId(url: string): Promise<bigint> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ max: string }>('SELECT max(transaction_id)::text AS max FROM events');
    return BigInt(rows[0].max);
  } finally {
    await client.end();
  }
}

/**
 * The source server's major version, after making sure its transaction counter is well past
 * where a fresh cluster starts (~700), as any server that has run a while is (on a fresh CI
 * server it may not be yet): each COMMIT in the loop ends one transaction that took an id.
 */
async function aheadOfAFreshCluster(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ next: string; num: string }>(
      "SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next, current_setting('server_version_num') AS num",
    );
    const missing = 5000 - Number(rows[0].next);
    if (missing > 0) await client.query(`DO $$ BEGIN FOR i IN 1..${missing} LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`);
    return Math.floor(Number(rows[0].num) / 10000);
  } finally {
    await client.end();
  }
}

const runPostgres = process.env.CI === 'true' || (await postgresAvailable());
(runPostgres ? describe : describe.skip)('runbook PostgreSQL Backup / Restore into a new cluster (production profile)', () => {
  const binDir = caracalBinDir();
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-backup-e2e-'));
  const token = 'e2e-backup-token';
  let mock: MockUpstream;
  let source: TestDatabase;
  let cluster: ScratchCluster;
  let gateway: GatewayProcess | null = null;
  let projector: GatewayProcess | null = null;
  let cliEnv: Record<string, string> = {};
  let pricebook: string;
  const run = (commandLine: string) => sh(commandLine, { cwd: workDir, env: cliEnv, binDir });

  async function start(databaseUrl: string): Promise<void> {
    const keyFile = join(workDir, 'merkle-signing-key.pem');
    const env = {
      DATABASE_URL: databaseUrl, CARACAL_EVENT_AUTH_KEY: E2E_EVENT_AUTH_KEY, CARACAL_ADMIN_TOKEN: token, CARACAL_PRICEBOOK: pricebook,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', CARACAL_MERKLE_SIGNING_KEY_FILE: keyFile,
      CARACAL_BACKUP_DIR: join(workDir, 'backups'), ...MERKLE,
    };
    gateway = await startGatewayProcess(env, workDir);
    projector = await startProjectorProcess(env, workDir);
    cliEnv = { CARACAL_URL: gateway.url, CARACAL_TOKEN: token };
  }
  async function stop(): Promise<void> {
    await projector?.stop();
    await gateway?.stop();
    projector = null;
    gateway = null;
  }
  const json = async (commandLine: string) => {
    const result = await run(`${commandLine} --json`);
    expect(result).toMatchObject({ code: 0 });
    return JSON.parse(result.stdout);
  };
  const lagZero = async () =>
    (await apiGet<{ items: { eventsBehind: string | number }[] }>(gateway!.url, token, '/v1/consumer-lag')).items.every((item) => String(item.eventsBehind) === '0');

  beforeAll(async () => {
    mock = await startMockUpstream();
    writeFileSync(join(workDir, 'merkle-signing-key.pem'), generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    pricebook = pricebookWithResource(`${mock.url}/*`, '0.01');
    source = await createTestDatabase('e2e_backup');
    cluster = await startScratchCluster(await aheadOfAFreshCluster(source.url));
  });
  afterAll(async () => {
    await stop();
    await cluster?.stop();
    await source?.drop();
    await mock?.close();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
  });

  it('backs up, restores with gunzip | psql, and the restored system carries on', async () => {
    await start(source.url);
    const { agentId, key } = await setUpAgent(run, mock.url);
    await admit(gateway!.url, key, mock.url, 6, 0);
    const ledger = () => apiGet<{ items: unknown[] }>(gateway!.url, token, ledgerPath(agentId));
    // Every event also in a sealed batch: a batch sealed by age after the dump would be in the
    // source but not in the backup.
    const allSealed = async () => (await json(VERIFY_RANGE)).totals.unsealedEvents === 0;
    await waitFor(async () => (await ledger()).items.length === 6 && (await lagZero()) && (await allSealed()), 'six entries projected, every processor at the head and every event sealed', 30_000, 100);

    // Runbook: PostgreSQL Backup, and the evidence line of "Data Corruption Detected".
    const backup = await json(runbookCommand('caracal backup create --type postgresql'));
    expect(backup).toMatchObject({ encoding: 'plain-sql-gzip', tag: null });
    const evidence = await json(runbookCommand('caracal backup create --type postgresql --tag'));
    expect(evidence.tag).toBe('corruption-evidence');
    // The runbook's line ends in " -", a bullet of the document's layout: the command is before it.
    const kafka = await run(runbookCommand('caracal backup create --type kafka').replace(/ -$/, ''));
    expect(kafka.code).toBe(1);
    expect(kafka.stderr).toMatch(/does not run the Kafka event bus/);
    expect((await json('caracal backup list')).items.map((b: { backupId: string }) => b.backupId)).toEqual([evidence.backupId, backup.backupId]);
    const verified = await run(`caracal backup verify --backup-id ${backup.backupId} --trial-restore`);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^OK: backup/);
    expect(verified.stdout).toMatch(/Merkle verify-range: OK/);

    // Runbook: PostgreSQL Restore. Stop consumers (and the gateway: the database moves).
    await stop();
    const before = await databaseState(source.url);
    const createDb = await run(`psql -h 127.0.0.1 -p ${cluster.port} -U postgres -c "CREATE DATABASE caracal"`);
    expect(createDb.code).toBe(0);
    const restore = await run(`gunzip -c ${backup.path} | \\\npsql -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -p ${cluster.port} -U postgres caracal`);
    expect(restore).toMatchObject({ code: 0, stderr: '' });
    const restoredUrl = cluster.url('caracal');
    // The new cluster's counter is below the dump's transaction ids: the case the rebase is for.
    expect(await maxEventTransactionId(restoredUrl)).toBeGreaterThanOrEqual(await cluster.nextTransactionId());

    // Verify and restart.
    await start(restoredUrl);
    expect(gateway!.output() + projector!.output()).toMatch(/restored from another PostgreSQL cluster/);
    expect((await run(runbookCommand('caracal db health-check'))).code).toBe(0);
    const after = await databaseState(restoredUrl);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const table of Object.keys(before)) expect({ table, rows: after[table] }).toEqual({ table, rows: before[table] });
    expect((await run(VERIFY_RANGE)).code).toBe(0);

    // New admissions and projections on the restored database.
    await admit(gateway!.url, key, mock.url, 3, 6);
    await waitFor(async () => (await ledger()).items.length === 9 && (await lagZero()), 'nine entries projected and every processor at the head', 30_000, 100);
    await waitFor(
      async () => (await apiGet<{ totals: { unsealedEvents: number } }>(gateway!.url, token, '/v1/merkle/verify-range?startTime=2024-01-01T00:00:00Z&endTime=now')).totals.unsealedEvents === 0,
      'every event sealed', 30_000, 200,
    );
    const range = await json(VERIFY_RANGE);
    expect(range).toMatchObject({ ok: true, totals: { failures: 0 } });
    expect(range.totals.events).toBeGreaterThan(Number(backup.logHead.events));
  });
});

describe('backup create, verify --trial-restore and backup restore on the embedded profile (PGlite)', () => {
  const binDir = caracalBinDir();
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-backup-embedded-e2e-'));
  let mock: MockUpstream;
  let pricebook: string;
  let gateway: GatewayProcess | null = null;
  // The CLI finds the embedded gateway and its token through ./.caracal (the working directory).
  const run = (commandLine: string) => sh(commandLine, { cwd: workDir, env: {}, binDir });
  const json = async (commandLine: string) => {
    const result = await run(`${commandLine} --json`);
    expect(result).toMatchObject({ code: 0 });
    return JSON.parse(result.stdout);
  };
  const start = async () => {
    gateway = await startGatewayProcess({ CARACAL_DATA_DIR: join(workDir, '.caracal'), CARACAL_PRICEBOOK: pricebook, ...MERKLE }, workDir);
  };

  beforeAll(async () => {
    mock = await startMockUpstream();
    pricebook = pricebookWithResource(`${mock.url}/*`, '0.01');
  });
  afterAll(async () => {
    await gateway?.stop();
    await mock?.close();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
  });

  it('restores the data directory as it was at the backup, and the gateway carries on from there', async () => {
    await start();
    const { agentId, key } = await setUpAgent(run, mock.url);
    const token = readFileSync(join(workDir, '.caracal', 'admin-token'), 'utf8').trim();
    const ledger = async () => (await apiGet<{ items: unknown[] }>(gateway!.url, token, ledgerPath(agentId))).items;
    await admit(gateway!.url, key, mock.url, 3, 0);
    await waitFor(async () => (await ledger()).length === 3, 'three entries projected', 30_000, 100);
    const atBackup = await ledger();

    const backup = await json(runbookCommand('caracal backup create --type postgresql'));
    expect(backup).toMatchObject({ encoding: 'pglite-data-dir-tgz', logHead: { events: expect.any(String) } });
    const verified = await run(`caracal backup verify --backup-id ${backup.backupId} --trial-restore`);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/Trial restore: into PGlite in memory/);

    await admit(gateway!.url, key, mock.url, 2, 3); // after the backup: not in it
    await waitFor(async () => (await ledger()).length === 5, 'five entries projected', 30_000, 100);
    const refused = await run(`caracal backup restore --backup-id ${backup.backupId}`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/in use by process/);

    await gateway!.stop();
    gateway = null;
    const restored = await run(`caracal backup restore --backup-id ${backup.backupId}`);
    expect(restored).toMatchObject({ code: 0 });
    expect(restored.stdout).toMatch(/^Restored backup .* \(checksum verified\)/);
    await start();
    expect(await ledger()).toEqual(atBackup);
    expect((await run(VERIFY_RANGE)).code).toBe(0);

    await admit(gateway!.url, key, mock.url, 1, 5);
    await waitFor(async () => (await ledger()).length === 4, 'the new entry projected', 30_000, 100);
  });
});
