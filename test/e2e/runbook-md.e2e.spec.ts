// docs/runbook.md, top to bottom: every `caracal ...` and `curl http://gateway:...` line of its
// ```sh blocks runs through the built CLI (placeholders filled from what earlier commands printed)
// against a gateway and a projector on PostgreSQL, as k8s/ deploys them, and prints what the
// ```text block under it says. The `kubectl` lines that change which processes run become
// stopping and starting the projector (scale to 0 and back) or restarting it and the gateway
// (rollout restart, e.g. with a rotated signing key); other kubectl lines have no process to act
// on here and are skipped.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresClient, eventAuthenticator, eventKeyIdOf, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { caracalBinDir, sh, type ShellResult } from '@caracal/test-support/cli-shell.js';
import { E2E_EVENT_AUTH_KEY, startGatewayProcess, startProjectorProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { runbookCommands } from '@caracal/test-support/runbook.js';
import { printsAsDocumented, runbookSteps, RUNBOOK_MD_PATH } from '@caracal/test-support/runbook-markdown.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

// 157 s alone at load 10 (with the event key rotation's restarts); over 300 s once at load 12.
jest.setTimeout(480_000);

const TOKEN = 'e2e-runbook-md-token';
const CALLS = 3;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
/** The seed runbook's procedures, and ours. */
const PROCEDURES = [
  'Create Agent', 'Create Budget Policy', 'Create Resource Allowlist', 'Query Agent Spending', 'Verify Ledger Integrity',
  'Create Ledger Snapshot', 'Monitor Dead Letter Queue', 'Gateway Returns 503', 'Kafka Consumer Lag Increasing',
  'Merkle Verification Failures', 'High Memory Usage', 'PostgreSQL Backup', 'PostgreSQL Restore', 'Event Replay Recovery',
  'Horizontal Scaling', 'Vertical Scaling', 'Database Scaling', 'Key Metrics', 'Grafana Dashboards', 'Complete System Outage',
  'Data Corruption Detected', 'Signing Key Rotation', 'Event Key Rotation', 'Pricebook Publishing', 'Audit Export',
];

const isRunnable = (line: string): boolean => line.startsWith('caracal ') || line.startsWith('curl http://gateway:');
// The seed runbook's list formatting leaves a stray " -" after some commands.
const normalize = (command: string): string => command.replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim().replace(/ -$/, '');

describe('docs/runbook.md', () => {
  it('covers every procedure and every caracal command of the seed runbook, and ours', () => {
    const markdown = readFileSync(RUNBOOK_MD_PATH, 'utf8');
    const headings = [...markdown.matchAll(/^#{2,3} (.+)$/gm)].map((match) => match[1]);
    for (const procedure of PROCEDURES) expect(headings).toContain(procedure);
    const ours = new Set(runbookSteps().flatMap((step) => step.lines.map((line) => normalize(line.text))));
    for (const command of runbookCommands()) expect(ours).toContain(normalize(command));
  });
});

const runPostgres = await shouldRunPostgresTests('docs/runbook.md e2e');

(runPostgres ? describe : describe.skip)('docs/runbook.md, run from top to bottom', () => {
  const binDir = caracalBinDir();
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-runbook-md-'));
  let mock: MockUpstream;
  let db: TestDatabase;
  let sql: SqlClient;
  let gateway: GatewayProcess;
  let projector: GatewayProcess | null = null;
  let signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  let pricebook: string;

  /** The Secret's event keys, as `kubectl patch secret` lines of the runbook change them, and the shell variables they use. */
  const secret: Record<string, string> = { CARACAL_EVENT_AUTH_KEY: E2E_EVENT_AUTH_KEY };
  const shellVariables: Record<string, string> = {};
  const env = (): Record<string, string> => ({
    DATABASE_URL: db.url, ...secret, CARACAL_ADMIN_TOKEN: TOKEN, CARACAL_PRICEBOOK: pricebook, CARACAL_MERKLE_SIGNING_KEY: signingKey,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', CARACAL_BACKUP_DIR: join(workDir, 'backups'),
    CARACAL_MERKLE_BATCH_LEAVES: '8', CARACAL_MERKLE_MAX_BATCH_AGE_MS: '300',
  });
  const run = (commandLine: string): Promise<ShellResult> => sh(commandLine, { cwd: workDir, env: { CARACAL_URL: gateway.url, CARACAL_TOKEN: TOKEN }, binDir });
  /** The admin API, for the test's own waits (a CLI process per poll would be slow). */
  const api = async (path: string): Promise<any> => {
    const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    // verify-range answers NDJSON records, the last one the report.
    return /ndjson/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text.trim().split('\n').at(-1) as string).report : JSON.parse(text);
  };
  const metricsUrl = (): string => /metrics:\s+curl (\S+)/.exec(gateway.output())![1];
  const startProjector = async (): Promise<void> => {
    projector ??= await startProjectorProcess(env(), workDir);
  };
  const stopProjector = async (): Promise<void> => {
    await projector?.stop();
    projector = null;
  };

  const placeholders: Record<string, string> = { timestamp: '2024-01-01T00:00:00Z' };
  let agentKey = '';
  let generatedKey: { file: string; keyId: string } | null = null;
  let rotated = false;
  let traffic = false;
  let poisoned = false;

  const ledgerEntries = async (): Promise<number> => (await api(`/v1/ledger/entries?agentId=${placeholders['agent-id']}&startTime=2024-01-01T00:00:00Z&endTime=${new Date().toISOString()}`)).items.length;
  const everythingSealed = (): Promise<void> => waitFor(async () => {
    const totals = (await api(`/v1/merkle/verify-range?startTime=2024-01-01T00:00:00Z&endTime=${new Date().toISOString()}`)).totals;
    return totals.events > 0 && totals.unsealedEvents === 0;
  }, 'every event sealed', 60_000, 100);

  /** Every processor at the head of the log (and, while the projector runs, each lease held). */
  const caughtUp = (): Promise<void> => waitFor(async () => {
    const lags = (await api('/v1/consumer-lag')).items as { eventsBehind: string | number; owner: string | null }[];
    return lags.length > 0 && lags.every((lag) => Number(lag.eventsBehind) === 0 && (projector === null || lag.owner !== null));
  }, 'the processors caught up', 60_000, 100);

  /** What the runbook takes as done before a command: calls made, processors caught up, events sealed, a job finished. */
  async function before(command: string): Promise<void> {
    if (/^caracal (kafka consumer-lag|db health-check|snapshot create)|^curl http:\/\/gateway:8443\/health/.test(command)) await caughtUp();
    if (command.startsWith('caracal ledger query') && !traffic) {
      // The agent makes a few calls (to the mock upstream, which the test allowlists and prices).
      traffic = true;
      expect((await run(`caracal allowlist create --agent-id ${placeholders['agent-id']} --pattern "${mock.url}/*" --pattern-type glob`)).code).toBe(0);
      for (let i = 0; i < CALLS; i++) {
        const response = await fetch(`${gateway.url}/proxy`, { method: 'POST', headers: { 'x-caracal-key': agentKey, 'x-caracal-target-url': `${mock.url}/call/${i}` }, body: '{}' });
        expect(response.status).toBe(200);
      }
      await waitFor(async () => (await ledgerEntries()) === CALLS, 'the calls on the ledger', 30_000, 100);
    }
    if (command.startsWith('caracal merkle verify-batch')) {
      await everythingSealed();
      placeholders['batch-id'] = String((await api('/v1/merkle/batches')).items[0].batchId);
    }
    if (command.startsWith('caracal merkle verify-range') || command.startsWith('caracal merkle export')) await everythingSealed();
    if (command.startsWith('caracal dlq list') && !poisoned) {
      // A charge without its hold's facts: the ledger writer parks it in the DLQ.
      poisoned = true;
      placeholders['event-id'] = randomUUID();
      // Written as the gateway writes, tagged under its key: a poison event, not a forged one.
      await new SqlEventStore(sql, { authenticator: eventAuthenticator(Buffer.from(E2E_EVENT_AUTH_KEY, 'hex')) }).append(`budget-${randomUUID()}`, [{ eventId: placeholders['event-id'], type: 'SpendSettled', schemaVersion: 1, metadata: {}, data: {
        reservationId: randomUUID(), agentId: placeholders['agent-id'], amountNanos: '1', heldNanos: '1', overageNanos: '0', usage: {}, pricebookVersion: 'x', occurredAt: new Date().toISOString(),
      } }], { expected: 'any' });
      await waitFor(async () => (await api('/v1/dlq')).items.length > 0, 'the poison event parked', 60_000, 100);
    }
    if (command.startsWith('caracal replay status')) {
      await waitFor(async () => (await api('/v1/replays')).items[0]?.state === 'completed', 'the replay to complete', 60_000, 100);
    }
    if (command.startsWith('caracal merkle key export-public') && rotated) {
      // Traffic goes on after the restart: the first head sealed with the new key registers it.
      const response = await fetch(`${gateway.url}/proxy`, { method: 'POST', headers: { 'x-caracal-key': agentKey, 'x-caracal-target-url': `${mock.url}/after-rotation` }, body: '{}' });
      expect(response.status).toBe(200);
      const newKey = generatedKey!.keyId;
      await waitFor(async () => (await api('/v1/merkle/batches?limit=1000')).items.some((batch: { keyId: string }) => newKey.startsWith(batch.keyId)), 'a head signed with the new key', 60_000, 200);
    }
    if (command.startsWith('caracal pricebook set')) {
      const file = /--file (\S+)/.exec(command)![1];
      const book = JSON.parse(readFileSync(pricebook, 'utf8')) as { version: string; effectiveFrom: string };
      writeFileSync(join(workDir, file), JSON.stringify({ ...book, version: '2026-01-01.1', effectiveFrom: new Date().toISOString() }));
    }
  }

  /** Values later commands take from what this one printed. */
  function capture(command: string, output: string): void {
    if (command.startsWith('caracal agent create') && !placeholders['agent-id']) {
      placeholders['agent-id'] = UUID.exec(output)![0];
      agentKey = /ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(output)![0];
    }
    if (command.startsWith('caracal snapshot create')) placeholders['snapshot-id'] = /Snapshot ID: +(\S+)/.exec(output)![1];
    if (command.startsWith('caracal backup create --type postgresql') && !placeholders['backup-id']) placeholders['backup-id'] = /Backup ID: +(\S+)/.exec(output)![1];
    if (command.startsWith('caracal merkle key generate')) generatedKey = { file: join(workDir, /--out (\S+)/.exec(command)![1]), keyId: /# key id (\S+)/.exec(output)![1] };
  }

  /** The kubectl lines that change which processes run, or the Secret's event keys (Event Key Rotation). */
  async function kubectl(line: string): Promise<void> {
    const assignment = /^([A-Z_]+)="\$\((.*)\)"$/.exec(line);
    if (assignment) {
      const read = /jsonpath='\{\.data\.([A-Z_]+)\}'/.exec(assignment[2]);
      shellVariables[assignment[1]] = read ? secret[read[1]] : /^openssl rand -hex 32$/.test(assignment[2]) ? randomBytes(32).toString('hex') : '';
      expect(`${line}: ${shellVariables[assignment[1]]}`).toMatch(/: [0-9a-f]{64}$/);
    }
    const merge = /^kubectl patch secret caracal-secrets --type merge -p "(.*)"$/.exec(line);
    if (merge) {
      const patch = JSON.parse(merge[1].replaceAll('\\"', '"').replace(/\$([A-Z_]+)/g, (_, name: string) => shellVariables[name])) as { stringData: Record<string, string> };
      Object.assign(secret, patch.stringData);
    }
    const remove = /^kubectl patch secret caracal-secrets --type json -p '(.*)'$/.exec(line);
    if (remove) for (const op of JSON.parse(remove[1]) as { op: string; path: string }[]) delete secret[op.path.replace(/^\/data\//, '')];
    if (/^kubectl rollout restart deployment\/caracal-gateway$/.test(line)) {
      await gateway.stop();
      gateway = await startGatewayProcess(env(), workDir);
    }
    const scale = /^kubectl scale deployment\/caracal-(ledger-writer|metrics-aggregator|merkle-sealer) --replicas=(\d+)/.exec(line);
    if (scale) await (Number(scale[2]) === 0 ? stopProjector() : startProjector());
    if (/^kubectl rollout restart .*deployment\/caracal-merkle-sealer/.test(line)) {
      // The Secret now holds the key `merkle key generate` wrote; the restarted pods read it.
      if (generatedKey) {
        signingKey = readFileSync(generatedKey.file, 'utf8');
        rotated = true;
      }
      await stopProjector();
      await startProjector();
      if (/deployment\/caracal-gateway/.test(line)) {
        await gateway.stop();
        gateway = await startGatewayProcess(env(), workDir);
      }
    }
  }

  beforeAll(async () => {
    mock = await startMockUpstream();
    pricebook = pricebookWithResource(`${mock.url}/*`, '0.01');
    db = await createTestDatabase('e2e_runbook_md');
    sql = createPostgresClient({ connectionString: db.url, max: 2 });
    gateway = await startGatewayProcess(env(), workDir);
    await startProjector();
  });
  afterAll(async () => {
    await stopProjector();
    await gateway?.stop();
    await sql?.close();
    await db?.drop();
    await mock?.close();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
  });

  it('runs every command and each prints what the runbook says', async () => {
    const problems: string[] = [];
    let ran = 0;
    for (const step of runbookSteps()) {
      const runnable = step.lines.filter((line) => isRunnable(line.text));
      if (runnable.length > 1) problems.push(`${step.section}: one command per block, so that the block under it shows what that command prints`);
      if (runnable.length === 1 && step.prints === null) problems.push(`${step.section}: ${runnable[0].text}: no \`\`\`text block of what it prints`);
      for (const line of step.lines) {
        if (!isRunnable(line.text)) {
          await kubectl(line.text);
          continue;
        }
        await before(line.text);
        const unfilled = [...line.text.matchAll(/<([a-z0-9-]+)>/g)].map((m) => m[1]).filter((name) => placeholders[name] === undefined);
        if (unfilled.length > 0) {
          problems.push(`${step.section}: ${line.text}: no value for ${unfilled.join(', ')}`);
          continue;
        }
        const command = line.text
          .replace(/<([a-z0-9-]+)>/g, (_, name: string) => placeholders[name])
          .replace('http://gateway:8443', gateway.url)
          .replace('http://gateway:9090/metrics', metricsUrl());
        const result = await run(command);
        ran++;
        // Apart: curl's JSON has no final newline, and its progress meter goes to stderr.
        const output = `${result.stdout}\n${result.stderr}`;
        if (result.code !== line.expectedExit) problems.push(`${step.section}: ${command}\nexited ${result.code}, the runbook says ${line.expectedExit}:\n${output}`);
        else if (step.prints !== null && !printsAsDocumented(step.prints, output)) problems.push(`${step.section}: ${command}\nthe runbook says it prints:\n${step.prints}\nit printed:\n${output}`);
        if (result.code === 0) capture(line.text, output);
      }
    }
    expect(problems.join('\n\n')).toBe('');
    expect(ran).toBeGreaterThan(30);
    // Event Key Rotation as the runbook orders it: events under both keys sealed, none refused.
    expect(secret.CARACAL_EVENT_AUTH_KEY).not.toBe(E2E_EVENT_AUTH_KEY);
    expect(secret.CARACAL_EVENT_AUTH_ACCEPTED_KEYS).toBeUndefined();
    const { rows: sealedByKey } = await sql.query<{ auth_key_id: string }>(
      'SELECT DISTINCT e.auth_key_id FROM events e JOIN merkle_leaves l ON l.event_id = e.event_id WHERE e.auth_key_id IS NOT NULL',
    );
    expect(sealedByKey.map((row) => row.auth_key_id).sort()).toEqual([E2E_EVENT_AUTH_KEY, secret.CARACAL_EVENT_AUTH_KEY].map((hex) => eventKeyIdOf(Buffer.from(hex, 'hex'))).sort());
    expect((await sql.query('SELECT event_id FROM merkle_refused_events')).rows).toEqual([]);
  });
});
