import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresClient, type SqlClient } from '@caracal/event-store';
import { caracalBinDir, sh } from '@caracal/test-support/cli-shell.js';
import { E2E_EVENT_AUTH_KEY, startGatewayProcess, startProjectorProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

/**
 * A row a database superuser inserts into events with plain SQL, in a current transaction (so the
 * gap-free reader hands it to the sealer like any append), on the production profile as deployed:
 * the projector's merkle-sealer refuses it, counts it in its /metrics, and `caracal merkle
 * verify-range` names it (docs/leaf-format.md, "Event authentication").
 */
const TOKEN = 'e2e-forged-event-token';
const runPostgres = await shouldRunPostgresTests('forged event e2e');

(runPostgres ? describe : describe.skip)('a forged event on the production profile', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-forged-'));
  const binDir = caracalBinDir();
  let db: TestDatabase;
  let sql: SqlClient;
  let gateway: GatewayProcess;
  let projector: GatewayProcess;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_forged');
    sql = createPostgresClient({ connectionString: db.url, max: 1 });
    const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const env = {
      DATABASE_URL: db.url, CARACAL_EVENT_AUTH_KEY: E2E_EVENT_AUTH_KEY, CARACAL_ADMIN_TOKEN: TOKEN, CARACAL_MERKLE_SIGNING_KEY: signingKey,
      CARACAL_MERKLE_BATCH_LEAVES: '4', CARACAL_MERKLE_MAX_BATCH_AGE_MS: '300',
    };
    gateway = await startGatewayProcess(env, workDir);
    projector = await startProjectorProcess(env, workDir);
  });
  afterAll(async () => {
    await projector?.stop();
    await gateway?.stop();
    await sql?.close();
    await db?.drop();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
  });

  it('is refused by the projector\'s sealer, counted in its metrics and reported by verify-range', async () => {
    const response = await fetch(`${gateway.url}/v1/agents`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'forged-e2e', owner: 'ops@example.com' }),
    });
    expect(response.status).toBe(201);
    const forged = randomUUID();
    await sql.query(
      `INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text)
       VALUES ('forged-stream', 1, $1, 'SpendSettled', 1, '{"amountNanos":"1"}')`,
      [forged],
    );
    const refusals = async (): Promise<string | undefined> =>
      /^caracal_merkle_verification_failures_total\{reason="event_refused"\} (\d+)$/m.exec(await (await fetch(projector.url)).text())?.[1];
    await waitFor(async () => (await refusals()) === '1', 'the projector to count the refusal', 30_000, 100);
    expect(projector.output()).toContain(`merkle-sealer: refused event ${forged}`);
    const { rows } = await sql.query<{ reason: string }>('SELECT reason FROM merkle_refused_events WHERE event_id = $1', [forged]);
    expect(rows).toEqual([{ reason: 'event_not_authenticated' }]);

    // The agent's events are sealed once their batch closes; the forged one never is.
    await waitFor(async () => (await sql.query('SELECT 1 FROM merkle_leaves')).rows.length > 0
      && (await sql.query<{ open: boolean }>('SELECT next_index > open_first_index AS open FROM merkle_state')).rows.every((row) => !row.open), 'the agent\'s events sealed', 30_000, 100);
    const range = await sh('caracal merkle verify-range --start-time 2024-01-01T00:00:00Z --end-time now', {
      cwd: workDir, env: { CARACAL_URL: gateway.url, CARACAL_TOKEN: TOKEN }, binDir,
    });
    expect(range.code).toBe(1);
    expect(range.stdout).toMatch(new RegExp(`event_refused eventId=${forged} globalPosition=\\d+ \\(the sealer refused it \\(event_not_authenticated: the event carries no authentication tag\\)`));
    expect(await refusals()).toBe('1');
  });
});
