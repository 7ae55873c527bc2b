import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresClient, type SqlClient } from '@caracal/event-store';
import { E2E_EVENT_AUTH_KEY, startGatewayProcess, startProjectorProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

const TOKEN = 'e2e-failover-token';
const LEASE_MS = 3000;
/** At least this many requests; the load goes on until the active projector has been killed mid-stream. */
const REQUESTS = 150;
const LOAD_DEADLINE_MS = 60_000;
const runPostgres = await shouldRunPostgresTests('projector failover e2e');

(runPostgres ? describe : describe.skip)('projector processes: one active per processor, kill -9, standby takes over', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-failover-'));
  let db: TestDatabase;
  let sql: SqlClient;
  let mock: MockUpstream;
  let gateway: GatewayProcess;
  const projectors: GatewayProcess[] = [];

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() as any };
  };
  const ledgerCount = async (): Promise<number> => Number((await sql.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger_entries')).rows[0].n);
  const owner = async (): Promise<string | null> => (await admin('GET', '/v1/consumer-lag?consumerGroup=ledger-writer-group')).body.items[0].owner;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_failover');
    sql = createPostgresClient({ connectionString: db.url, max: 2 });
    mock = await startMockUpstream();
    const env = { DATABASE_URL: db.url, CARACAL_EVENT_AUTH_KEY: E2E_EVENT_AUTH_KEY, CARACAL_ADMIN_TOKEN: TOKEN, CARACAL_PRICEBOOK: pricebookWithResource(`${mock.url}/*`, '0.01'), CARACAL_PROCESSOR_LEASE_MS: String(LEASE_MS) };
    gateway = await startGatewayProcess(env, workDir);
    projectors.push(await startProjectorProcess(env, workDir), await startProjectorProcess(env, workDir));
  });
  afterAll(async () => {
    for (const projector of projectors) await projector.stop();
    await gateway?.stop();
    await sql?.close();
    await db?.drop();
    await mock?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('projects every charge exactly once across a kill -9 of the active projector', async () => {
    const created = await admin('POST', '/v1/agents', { name: 'failover', owner: 'ops@example.com' });
    const agentId = created.body.agent.agentId as string;
    const key = created.body.apiKey.key as string;
    await admin('POST', '/v1/policies', { agentId, limit: '100.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'test' });
    await admin('POST', '/v1/allowlists', { agentId, pattern: `${mock.url}/*`, patternType: 'glob' });

    await waitFor(async () => (await owner()) !== null, 'one projector holds the ledger-writer lease', 20_000, 100);
    const firstOwner = (await owner()) as string;
    const active = projectors.find((p) => firstOwner.endsWith(`-${p.child.pid}`));
    const standby = projectors.find((p) => p !== active);
    expect(active).toBeDefined();
    expect(standby).toBeDefined();

    let sent = 0;
    let killed = false;
    // Bounded by the kill, not by a count alone: on a fast machine 150 requests are answered
    // before the projector's first linger window (250 ms) has projected 20 of them.
    const loadDeadline = Date.now() + LOAD_DEADLINE_MS;
    const load = (async () => {
      while (sent < REQUESTS || (!killed && Date.now() < loadDeadline)) {
        const batch = Array.from({ length: 10 }, () => fetch(`${gateway.url}/proxy`, {
          method: 'POST', headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${mock.url}/f/${sent++}` }, body: '{}',
        }).then((r) => r.status));
        expect(await Promise.all(batch)).toEqual(Array(10).fill(200));
        if (!killed && (await ledgerCount()) >= 20) {
          killed = true;
          await active!.kill('SIGKILL'); // mid-stream: requests keep coming, the killed one never finishes its batch
        }
      }
    })();
    await load;
    expect(killed).toBe(true);

    await waitFor(async () => (await ledgerCount()) === sent, `all ${sent} charges projected after the takeover`, LEASE_MS * 10, 100);
    expect((await owner())?.endsWith(`-${standby!.child.pid}`)).toBe(true);
    const { rows } = await sql.query<{ entries: string; reservations: string; total: string }>(
      'SELECT count(*)::text AS entries, count(DISTINCT reservation_id)::text AS reservations, sum(amount_nanos)::text AS total FROM ledger_entries',
    );
    expect(rows[0]).toEqual({ entries: String(sent), reservations: String(sent), total: String(BigInt(sent) * 10_000_000n) });
  });
});
