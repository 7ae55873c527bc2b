import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresClient, eventAuthenticator, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { caracalBinDir, sh } from '@caracal/test-support/cli-shell.js';
import { E2E_EVENT_AUTH_KEY, startGatewayProcess, startProjectorProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { createTestDatabase, postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { runbookCommand } from '@caracal/test-support/runbook.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

// Small, quick Merkle batches, so heads exist before `db reset` and new ones after it.
const MERKLE = { CARACAL_MERKLE_BATCH_LEAVES: '8', CARACAL_MERKLE_MAX_BATCH_AGE_MS: '500' };

interface Running {
  gateway: GatewayProcess;
  projector: GatewayProcess | null;
  cliEnv: Record<string, string>;
  /** Direct access to the database, where the profile allows a second client (PostgreSQL). */
  sql: SqlClient | null;
  cleanup(): Promise<void>;
}

interface Profile {
  name: string;
  start(workDir: string, pricebook: string): Promise<Running>;
}

const embedded: Profile = {
  name: 'embedded (PGlite, processors inside the gateway)',
  async start(workDir, pricebook) {
    const gateway = await startGatewayProcess({ CARACAL_DATA_DIR: join(workDir, '.caracal'), CARACAL_PRICEBOOK: pricebook, ...MERKLE }, workDir);
    return { gateway, projector: null, cliEnv: {}, sql: null, cleanup: async () => {} };
  },
};

const postgres: Profile = {
  name: 'production (PostgreSQL, gateway + projector processes, Redis counters)',
  async start(workDir, pricebook) {
    const db = await createTestDatabase('e2e_ops');
    const token = 'e2e-ops-token';
    // The projector seals; the gateway needs the key too to know the sealer (lag, health, db reset).
    const keyFile = join(workDir, 'merkle-signing-key.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const env = {
      DATABASE_URL: db.url, CARACAL_EVENT_AUTH_KEY: E2E_EVENT_AUTH_KEY, CARACAL_ADMIN_TOKEN: token, CARACAL_PRICEBOOK: pricebook, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      CARACAL_MERKLE_SIGNING_KEY_FILE: keyFile, ...MERKLE,
    };
    const gateway = await startGatewayProcess(env, workDir);
    const projector = await startProjectorProcess(env, workDir);
    const sql = createPostgresClient({ connectionString: db.url, max: 2 });
    return {
      gateway, projector, sql,
      cliEnv: { CARACAL_URL: gateway.url, CARACAL_TOKEN: token },
      cleanup: async () => {
        await projector.stop();
        await sql.close();
        await db.drop();
      },
    };
  },
};

const profiles = [embedded];
if (process.env.CI === 'true' || (await postgresAvailable())) profiles.push(postgres);

describe.each(profiles)('runbook operations commands, verbatim, on $name', (profile) => {
  const binDir = caracalBinDir();
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-ops-e2e-'));
  let mock: MockUpstream;
  let running: Running;
  let agentId: string;
  let key: string;

  const run = (commandLine: string) => sh(commandLine, { cwd: workDir, env: running.cliEnv, binDir });
  const json = async (commandLine: string) => {
    const result = await run(`${commandLine} --json`);
    expect(result).toMatchObject({ code: 0 });
    return JSON.parse(result.stdout);
  };
  const ledgerNow = () => json(`caracal ledger query --agent-id ${agentId} --start-time "2024-01-01T00:00:00Z" --end-time now`);

  beforeAll(async () => {
    mock = await startMockUpstream();
    running = await profile.start(workDir, pricebookWithResource(`${mock.url}/*`, '0.01'));
    const created = await run(runbookCommand('caracal agent create'));
    agentId = UUID.exec(created.stdout)![0];
    key = /ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(created.stdout)![0];
    expect((await run(runbookCommand('caracal policy create', { 'agent-id': agentId }))).code).toBe(0);
    expect((await run(`caracal allowlist create --agent-id ${agentId} --pattern "${mock.url}/*" --pattern-type glob`)).code).toBe(0);
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${running.gateway.url}/proxy`, { method: 'POST', headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${mock.url}/call/${i}` }, body: '{}' });
      expect(response.status).toBe(200);
    }
    await waitFor(async () => (await ledgerNow()).items.length === 3, 'three ledger entries projected', 30_000, 100);
  });
  afterAll(async () => {
    await running?.gateway.stop();
    await running?.cleanup();
    await mock?.close();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
  });

  it('caracal ledger query (time range, then current window)', async () => {
    const range = await run(runbookCommand('caracal ledger query', { 'agent-id': agentId }, 0));
    expect(range.code).toBe(0);
    expect(range.stdout).toMatch(/no .*entries/i); // January 2024 is empty
    const window = await run(runbookCommand('caracal ledger query', { 'agent-id': agentId }, 1));
    expect(window.code).toBe(0);
    expect(window.stdout).toContain('100.00'); // the runbook policy's limit
    expect(window.stdout).toContain('99.97'); // remaining after three 0.01 charges
    const totals = (await ledgerNow()).totals;
    expect(totals).toEqual([{ currency: 'USD', amount: '0.03', entries: 3 }]);
  });

  it('caracal kafka consumer-lag and caracal db health-check', async () => {
    const lag = await run(runbookCommand('caracal kafka consumer-lag'));
    expect(lag.code).toBe(0);
    expect(lag.stdout).toContain('ledger-writer-group');
    const health = await run(runbookCommand('caracal db health-check'));
    expect(health.stdout).toMatch(/database/i);
    expect(health.code).toBe(0);
  });

  it('caracal dlq list and caracal dlq get', async () => {
    let eventId = randomUUID();
    if (running.sql) {
      // A charge without its hold's facts (agent path, currency, …): the ledger writer must park it, not lose or guess it.
      eventId = randomUUID();
      // Written as the gateway writes, tagged under its key: a poison event, not a forged one.
      await new SqlEventStore(running.sql, { authenticator: eventAuthenticator(Buffer.from(E2E_EVENT_AUTH_KEY, 'hex')) }).append(`budget-${randomUUID()}`, [{ eventId, type: 'SpendSettled', schemaVersion: 1, metadata: {}, data: {
        reservationId: randomUUID(), agentId, amountNanos: '1', heldNanos: '1', overageNanos: '0', usage: {}, pricebookVersion: 'x', occurredAt: new Date().toISOString(),
      } }], { expected: 'any' });
      await waitFor(async () => (await json('caracal dlq list')).items.length > 0, 'poison event parked', 60_000, 200);
    }
    const list = await run(runbookCommand('caracal dlq list'));
    expect(list.code).toBe(0);
    const got = await run(runbookCommand('caracal dlq get', { 'event-id': eventId }));
    if (running.sql) {
      expect(got.code).toBe(0);
      expect(got.stdout).toContain(eventId);
      expect(list.stdout).toContain('ledger-writer-group');
    } else {
      expect(got.code).toBe(1); // nothing parked on the embedded profile: a clear not-found
      expect(got.stderr).toMatch(/not found/i);
    }
  });

  it('caracal db reset --confirm empties read models, never events nor Merkle heads; the processors rebuild the same ledger; a kept head still verifies', async () => {
    const batches = async () => (await json('caracal merkle list-batches --limit 1000')).items as { batchId: string; treeSize: number }[];
    const eventCount = async () => (await json(`caracal merkle verify-range --start-time 2024-01-01T00:00:00Z --end-time now`)).totals;
    const everythingSealed = () => waitFor(async () => {
      const totals = await eventCount();
      return totals.events > 0 && totals.unsealedEvents === 0;
    }, 'every event sealed', 60_000, 200);
    await everythingSealed();
    // The auditor keeps the public keys, the newest signed head and its batch id.
    expect(await run('caracal merkle key export-public --out auditor-keys.pem')).toMatchObject({ code: 0 });
    const kept = await batches();
    const keptHead = kept[kept.length - 1];
    const before = await ledgerNow();

    expect((await run('caracal db reset')).code).toBe(2); // refuses without --confirm
    const reset = await run(runbookCommand('caracal db reset'));
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('ledger_entries');
    expect(reset.stdout).not.toContain('merkle_heads');
    expect(reset.stdout).toMatch(/Processors kept: +merkle-sealer-group/);
    await waitFor(async () => (await ledgerNow()).items.length === before.items.length, 'ledger rebuilt after reset', 60_000, 200);
    expect(await ledgerNow()).toEqual(before);

    // The log grows past the kept head; every head from before is byte-identical.
    expect(await run('caracal agent create --name after-reset --description "appended after the reset" --owner ops@example.com')).toMatchObject({ code: 0 });
    await everythingSealed();
    const after = await batches();
    expect(after.length).toBeGreaterThan(kept.length);
    expect(JSON.stringify(after.slice(0, kept.length))).toBe(JSON.stringify(kept));
    const newest = after[after.length - 1].batchId;
    // Checked locally by the CLI with the auditor's copy of the keys; the proof starts at the kept head, byte for byte.
    const consistency = await run(`caracal merkle consistency --from ${keptHead.batchId} --to ${newest} --public-key auditor-keys.pem --json`);
    expect(consistency).toMatchObject({ code: 0 });
    const { proof, verification } = JSON.parse(consistency.stdout);
    expect(verification).toEqual({ ok: true, failures: [] });
    expect(JSON.stringify({ ...proof.from.head, signature: proof.from.signature, headHash: proof.from.headHash })).toBe(JSON.stringify(keptHead));
    expect(await run(`caracal merkle verify-batch --batch-id ${keptHead.batchId}`)).toMatchObject({ code: 0 });
  });
});
