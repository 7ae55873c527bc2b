import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresClient, openPgliteClient, type SqlClient, type SqlExecutor } from '@caracal/event-store';
import { generateSigningKeyPair, headHash, signTreeHead } from '@caracal/merkle';
import { loadHead, type StoredHead } from '@caracal/sealing';
import { caracalBinDir, sh, type ShellResult } from '@caracal/test-support/cli-shell.js';
import { E2E_EVENT_AUTH_KEY, startGatewayProcess, startProjectorProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

// Issue 5 "Must show", through the built gateway and the `caracal` CLI in their runbook forms:
// after a proxy burst verify-range over everything passes; each tampering done directly in the
// database (as a superuser, append-only triggers disabled) makes verify-batch / verify-range exit
// 1 and name the batch, the merkle index, the event id and what differs. On PostgreSQL (the
// production profile) and on the embedded profile's PGlite, whose data directory the gateway
// locks: it is stopped to tamper and started again (the same data directory and key).

jest.setTimeout(300_000);

const ADMIN_TOKEN = 'e2e-merkle-admin-token';
const BATCH_LEAVES = 5;
const BURST = 60;
const EVERYTHING = 'caracal merkle verify-range --start-time "2000-01-01T00:00:00Z" --end-time now';

interface Backend {
  name: string;
  /** The production profile seals in the projector process (apps/projector); embedded, in the gateway. */
  projector: boolean;
  /** Gateway env (the CLI's env is derived from it). */
  env(workDir: string): Promise<Record<string, string>>;
  cliEnv(workDir: string, gateway: GatewayProcess): Record<string, string>;
  /** Runs `fn` on the gateway's database as a superuser would (the gateway is stopped first when it must be). */
  tamper(workDir: string, stopped: () => Promise<void>, fn: (sql: SqlClient) => Promise<void>): Promise<void>;
  cleanup(): Promise<void>;
}

let db: TestDatabase | undefined;
const postgres: Backend = {
  name: 'PostgreSQL (production profile)',
  projector: true,
  async env() {
    db = await createTestDatabase('e2e_merkle_tamper');
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    return { DATABASE_URL: db.url, CARACAL_EVENT_AUTH_KEY: E2E_EVENT_AUTH_KEY, CARACAL_ADMIN_TOKEN: ADMIN_TOKEN, CARACAL_MERKLE_SIGNING_KEY: pem };
  },
  cliEnv: (_workDir, gateway) => ({ CARACAL_URL: gateway.url, CARACAL_TOKEN: ADMIN_TOKEN }),
  async tamper(_workDir, _stopped, fn) {
    const sql = createPostgresClient({ connectionString: db!.url, max: 1 });
    try {
      await fn(sql);
    } finally {
      await sql.close();
    }
  },
  cleanup: async () => db?.drop(),
};

const embedded: Backend = {
  name: 'PGlite (embedded profile)',
  projector: false,
  env: async (workDir) => ({ CARACAL_PROFILE: 'embedded', CARACAL_DATA_DIR: join(workDir, '.caracal') }),
  // The CLI finds the admin token in the data directory, as after `npm start`.
  cliEnv: (workDir, gateway) => ({ CARACAL_URL: gateway.url, CARACAL_DATA_DIR: join(workDir, '.caracal') }),
  async tamper(workDir, stopped, fn) {
    await stopped();
    const sql = await openPgliteClient({ dataDir: join(workDir, '.caracal', 'pgdata') });
    try {
      await fn(sql);
    } finally {
      await sql.close();
    }
  },
  cleanup: async () => undefined,
};

const backends = [embedded];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push(postgres);

interface Leaf {
  merkleIndex: number;
  globalPosition: string;
  eventId: string;
  batchId: string;
}

/** One statement batch as a superuser: the append-only triggers of events are off meanwhile. */
async function asSuperuser(sql: SqlClient, fn: (tx: SqlExecutor) => Promise<void>): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('ALTER TABLE events DISABLE TRIGGER USER');
    await fn(tx);
    await tx.query('ALTER TABLE events ENABLE TRIGGER USER');
  });
}

describe.each(backends)('merkle tampering through the CLI on $name', (backend) => {
  let workDir: string;
  let binDir: string;
  let mock: MockUpstream;
  let gatewayEnv: Record<string, string>;
  let gateway: GatewayProcess;
  let projector: GatewayProcess | undefined;
  let cliEnv: Record<string, string>;

  const caracal = (commandLine: string): Promise<ShellResult> => sh(commandLine, { cwd: workDir, env: cliEnv, binDir });

  async function start(): Promise<void> {
    gateway = await startGatewayProcess(gatewayEnv, workDir);
    cliEnv = backend.cliEnv(workDir, gateway);
  }

  async function admin(method: string, path: string, body?: unknown): Promise<any> {
    const token = cliEnv.CARACAL_TOKEN ?? readFileSync(join(workDir, '.caracal', 'admin-token'), 'utf8').trim();
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return response.json();
  }

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'caracal-e2e-merkle-'));
    binDir = caracalBinDir();
    mock = await startMockUpstream();
    gatewayEnv = {
      ...(await backend.env(workDir)),
      CARACAL_HOST: '127.0.0.1',
      CARACAL_PRICEBOOK: pricebookWithResource(`${mock.url}/*`, '0.01'),
      CARACAL_MERKLE_BATCH_LEAVES: String(BATCH_LEAVES),
      // Long enough that the setup's 4 leaves and the burst's first hold fill batch 1 by size on
      // a loaded machine: on the embedded profile the burst's statements queue ahead of the
      // sealer's read on PGlite's one connection (~1.2 s from the first leaf to the burst's first).
      CARACAL_MERKLE_MAX_BATCH_AGE_MS: '5000',
    };
    await start();
    if (backend.projector) projector = await startProjectorProcess({ ...gatewayEnv }, workDir);
  });

  afterAll(async () => {
    await projector?.stop();
    await gateway?.stop();
    await mock?.close();
    await backend.cleanup();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    if (binDir) rmSync(binDir, { recursive: true, force: true });
  });

  it('after a proxy burst, verify-range over everything passes (exit 0)', async () => {
    const created = await admin('POST', '/v1/agents', { name: 'tamper-burst', owner: 'ops@example.com' });
    const agentId = created.agent.agentId as string;
    await admin('POST', '/v1/policies', { agentId, limit: '100', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'e2e' });
    await admin('POST', '/v1/allowlists', { agentId, pattern: `${mock.url}/*`, patternType: 'glob' });
    const statuses = await Promise.all(Array.from({ length: BURST }, (_, i) => fetch(`${gateway.url}/proxy`, {
      method: 'POST',
      headers: { 'x-caracal-key': created.apiKey.key, 'x-caracal-target-url': `${mock.url}/burst/${i}`, 'content-type': 'application/json' },
      body: '{}',
    }).then((response) => response.status)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(BURST);
    // Every reservation settled and every event sealed (the open batch closes after T = 5 s).
    let report: any;
    await waitFor(async () => {
      report = await admin('GET', '/v1/merkle/verify-range?startTime=2000-01-01T00:00:00Z&endTime=now');
      return report.totals.events >= 2 * BURST + 3 && report.totals.unsealedEvents === 0
        && report.totals.events === (await admin('GET', '/v1/merkle/verify-range?startTime=2000-01-01T00:00:00Z&endTime=now')).totals.sealedEvents;
    }, 'every event of the burst sealed', 120_000, 200).catch((error: Error) => {
      throw new Error(`${error.message}\nlast report totals: ${JSON.stringify(report?.totals)}\ngateway:\n${gateway.output()}\nprojector:\n${projector?.output() ?? '(none)'}`);
    });

    const run = await caracal(EVERYTHING);
    // Not a terminal: no progress bar, only the rate line.
    expect(run.stderr).toMatch(/^verified [0-9,]+ events in [0-9.]+ s \([0-9,]+ events\/s\)\n$/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Range \S+ \.\. \S+: OK$/m);
    expect(run.stdout).toContain(`Failures: 0`);
    expect(run.stdout).not.toContain('FAILED');
    expect(Number(/Batches: (\d+) \(\1 ok, 0 failed, 0 missing\)/.exec(run.stdout)?.[1])).toBeGreaterThanOrEqual(13);
    const json = await caracal(`${EVERYTHING} --json`);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, failures: [], truncated: false, totals: { failures: 0, unsealedEvents: 0 } });
    const batch = await caracal('caracal merkle verify-batch --batch-id 1');
    expect(batch).toMatchObject({ code: 0, stdout: `Batch 1: OK (${BATCH_LEAVES} leaves)\n` });
  });

  it('each tampering is detected and located by verify-batch and verify-range (exit 1)', async () => {
    let leaves: Leaf[] = [];
    let changed!: Leaf, deleted!: Leaf, swapped!: [Leaf, Leaf], removed!: Leaf[], resignedKey!: string;
    let forged!: { eventId: string; globalPosition: string; batch: number | null };
    let targets!: { change: number; remove: number; forged: number | null; swap: number; removeBatch: number; resign: number };

    await backend.tamper(workDir, () => gateway.stop().then(() => undefined), async (sql) => {
      const { rows } = await sql.query<{ merkle_index: string; global_position: string; event_id: string; batch_id: string }>(
        `SELECT merkle_index::text AS merkle_index, global_position::text AS global_position, event_id::text AS event_id, batch_id::text AS batch_id
           FROM merkle_leaves WHERE batch_id IN (SELECT batch_id FROM merkle_heads) ORDER BY merkle_index`,
      );
      leaves = rows.map((row) => ({ merkleIndex: Number(row.merkle_index), globalPosition: row.global_position, eventId: row.event_id, batchId: row.batch_id }));
      const of = (batch: number): Leaf[] => leaves.filter((leaf) => leaf.batchId === String(batch));
      const last = Number(leaves[leaves.length - 1].batchId);
      // Not the first batch (kept as a control) nor the last (a re-signed head is seen by the next one).
      const full = [...new Set(leaves.map((leaf) => Number(leaf.batchId)))].filter((batch) => batch > 1 && batch < last && of(batch).length === BATCH_LEAVES);
      // A forged event needs a free global position inside a sealed batch's span (rolled-back
      // appends leave holes); without one it goes before the log (position 0), where only
      // verify-range can see it.
      const { rows: holes } = await sql.query<{ g: string }>(
        `SELECT g::text AS g FROM generate_series((SELECT min(global_position) FROM merkle_leaves), (SELECT max(global_position) FROM merkle_leaves WHERE batch_id IN (SELECT batch_id FROM merkle_heads))) g
          WHERE NOT EXISTS (SELECT 1 FROM events WHERE global_position = g) ORDER BY g`,
      );
      let forgedBatch: number | null = null;
      let forgedPosition = '0';
      for (const { g } of holes) {
        const batch = full.find((id) => of(id).some((leaf) => BigInt(leaf.globalPosition) < BigInt(g)) && of(id).some((leaf) => BigInt(leaf.globalPosition) > BigInt(g)));
        if (batch !== undefined) {
          [forgedBatch, forgedPosition] = [batch, g];
          break;
        }
      }
      // Five more batches, two apart (a deleted or re-signed head also fails the next batch).
      const picked: number[] = [];
      for (const batch of full) {
        if (picked.length === 5) break;
        if (forgedBatch !== null && Math.abs(batch - forgedBatch) < 2) continue;
        if (picked.length === 0 || batch - picked[picked.length - 1] >= 2) picked.push(batch);
      }
      expect(picked).toHaveLength(5);
      const [change, remove, swap, removeBatch, resign] = picked;
      targets = { change, remove, forged: forgedBatch, swap, removeBatch, resign };
      changed = of(change)[1];
      deleted = of(remove)[2];
      swapped = [of(swap)[1], of(swap)[3]];
      removed = of(removeBatch);
      await asSuperuser(sql, async (tx) => {
        // One byte of an event's data: the first letter of its first key, capitalised.
        await tx.query(
          `UPDATE events SET data_text = regexp_replace(data_text, '"([a-z])', '"' || upper(substring(data_text from '"([a-z])')), '') WHERE global_position = $1`,
          [changed.globalPosition],
        );
        await tx.query('DELETE FROM events WHERE global_position = $1', [deleted.globalPosition]);
        // Dated into an old transaction, so the gap-free reader (and the sealer) never take it for a new event.
        const { rows: [{ xid }] } = await tx.query<{ xid: string }>('SELECT min(transaction_id)::text AS xid FROM events');
        forged = { eventId: randomUUID(), globalPosition: forgedPosition, batch: forgedBatch };
        await tx.query(
          `INSERT INTO events (global_position, transaction_id, stream_id, stream_position, event_id, event_type, schema_version, data_text)
           VALUES ($1, $2::xid8, 'forged-stream', 1, $3, 'SpendSettled', 1, '{"amountNanos":"1"}')`,
          [forged.globalPosition, xid, forged.eventId],
        );
        // Two events swap positions.
        await tx.query('UPDATE events SET global_position = -1 WHERE global_position = $1', [swapped[0].globalPosition]);
        await tx.query('UPDATE events SET global_position = $1 WHERE global_position = $2', [swapped[0].globalPosition, swapped[1].globalPosition]);
        await tx.query('UPDATE events SET global_position = $1 WHERE global_position = -1', [swapped[1].globalPosition]);
        // A whole batch and its head.
        await tx.query('DELETE FROM merkle_leaves WHERE batch_id = $1', [removeBatch]);
        await tx.query('DELETE FROM merkle_heads WHERE batch_id = $1', [removeBatch]);
        // A head re-signed with a key that is not the log's.
        const original = (await loadHead(tx, resign)) as StoredHead;
        const other = generateSigningKeyPair();
        const resigned = { ...original.head, keyId: other.keyId };
        resignedKey = other.keyId;
        await tx.query('UPDATE merkle_heads SET key_id = $1, signature = $2, head_hash = $3 WHERE batch_id = $4', [
          other.keyId, signTreeHead(resigned, other.privateKeyPem), headHash(resigned), resign,
        ]);
      });
    });
    if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) await start();
    const { change, remove, swap, removeBatch, resign } = targets;

    const verifyBatch = async (batch: number): Promise<ShellResult> => {
      const run = await caracal(`caracal merkle verify-batch --batch-id ${batch}`);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`Batch ${batch}: FAILED`);
      return run;
    };

    const one = await verifyBatch(change);
    expect(one.stdout).toMatch(new RegExp(
      `leaf_mismatch batch=${change} merkleIndex=${changed.merkleIndex} eventId=${changed.eventId} globalPosition=${changed.globalPosition} ` +
        'expected=[0-9a-f]{64} actual=[0-9a-f]{64} \\(the event differs from the one sealed\\)',
    ));
    expect(one.stdout).toContain(`root_mismatch batch=${change}`);

    const two = await verifyBatch(remove);
    expect(two.stdout).toContain(
      `event_missing batch=${remove} merkleIndex=${deleted.merkleIndex} eventId=${deleted.eventId} globalPosition=${deleted.globalPosition} (no event at global position ${deleted.globalPosition})`,
    );

    if (forged.batch !== null) {
      const three = await verifyBatch(forged.batch);
      expect(three.stdout).toContain(`unsealed_event_in_batch_range batch=${forged.batch} eventId=${forged.eventId} globalPosition=${forged.globalPosition}`);
    }

    const four = await verifyBatch(swap);
    for (const [leaf, other] of [swapped, [swapped[1], swapped[0]]]) {
      expect(four.stdout).toContain(`leaf_mismatch batch=${swap} merkleIndex=${leaf.merkleIndex} eventId=${leaf.eventId} globalPosition=${leaf.globalPosition}`);
      expect(four.stdout).toContain(`(global position ${leaf.globalPosition} now holds event ${other.eventId}, sealed as event ${leaf.eventId})`);
    }

    const five = await verifyBatch(removeBatch);
    expect(five.stdout).toContain(`head_missing batch=${removeBatch} (no tree head for batch ${removeBatch})`);
    expect((await verifyBatch(removeBatch + 1)).stdout).toContain(`head_missing batch=${removeBatch}`);

    const six = await verifyBatch(resign);
    expect(six.stdout).toContain(`unknown_key batch=${resign} actual=${resignedKey} (key ${resignedKey} is not a `);
    expect((await verifyBatch(resign + 1)).stdout).toContain(`chain_broken batch=${resign + 1}`);

    // A batch nobody touched still verifies.
    expect((await caracal('caracal merkle verify-batch --batch-id 1')).code).toBe(0);

    const failedBatches = [change, remove, swap, removeBatch + 1, resign, resign + 1, ...(forged.batch === null ? [] : [forged.batch])];
    const range = await caracal(EVERYTHING);
    expect(range.code).toBe(1);
    expect(range.stdout).toMatch(/^Range \S+ \.\. \S+: FAILED$/m);
    for (const batch of failedBatches) expect(range.stdout).toContain(`Batch ${batch}: FAILED`);
    expect(range.stdout).toContain('Range failures:');
    expect(range.stdout).toContain(`batch_missing batch=${removeBatch}`);
    for (const leaf of removed) expect(range.stdout).toContain(`uncovered_event eventId=${leaf.eventId} globalPosition=${leaf.globalPosition}`);
    expect(range.stdout).toContain(`uncovered_event eventId=${forged.eventId} globalPosition=${forged.globalPosition}`);
    expect(range.stdout).toMatch(new RegExp(`Batches: \\d+ \\(\\d+ ok, ${failedBatches.length} failed, 1 missing\\)`));

    const json = JSON.parse((await caracal(`${EVERYTHING} --json`)).stdout);
    expect(json.ok).toBe(false);
    expect(json.totals).toMatchObject({ batchesFailed: failedBatches.length, missingBatches: 1 });
    expect(json.uncoveredEvents).toBe(removed.length + 1);
  });
});
