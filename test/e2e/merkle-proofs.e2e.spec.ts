// The built gateway (embedded profile: PGlite, sealer in the gateway) and the built CLI:
// list-batches, prove, consistency, key rotate while the gateway runs, verify-range across the rotation.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caracalBinDir, sh } from '@caracal/test-support/cli-shell.js';
import { startGatewayProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

jest.setTimeout(240_000);

// T = 3 s: an event stays in the open batch long enough for verify-range to list its id.
const MAX_BATCH_AGE_MS = 3000;

describe('merkle proofs and key rotation through the CLI, embedded gateway', () => {
  const binDir = caracalBinDir();
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-merkle-proofs-e2e-'));
  const dataDir = join(workDir, '.caracal');
  let gateway: GatewayProcess;
  let startTime: string;
  let agents = 0;

  const run = (commandLine: string) => sh(commandLine, { cwd: workDir, env: {}, binDir });
  const json = async (commandLine: string) => {
    const result = await run(`${commandLine} --json`);
    expect(result).toMatchObject({ code: 0 });
    return JSON.parse(result.stdout);
  };
  const createAgent = async () => {
    const result = await run(`caracal agent create --name proofs-${agents++} --description "merkle e2e" --owner ops@example.com`);
    expect(result).toMatchObject({ code: 0 });
  };
  const range = () => json(`caracal merkle verify-range --start-time ${startTime} --end-time now`);
  /** Appends events until one is seen in the open batch; returns its id. */
  const unsealedEventId = async (): Promise<string> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      await createAgent();
      const { unsealed } = await range();
      if (unsealed.length > 0) return unsealed[0].eventId;
    }
    throw new Error('no event was ever seen before its batch was sealed');
  };
  const everythingSealed = () => waitFor(async () => {
    const result = await range();
    return result.ok && result.totals.events > 0 && result.totals.unsealedEvents === 0;
  }, 'every event sealed', 60_000, 500);

  beforeAll(async () => {
    gateway = await startGatewayProcess({
      CARACAL_DATA_DIR: dataDir,
      CARACAL_MERKLE_BATCH_LEAVES: '4',
      CARACAL_MERKLE_MAX_BATCH_AGE_MS: String(MAX_BATCH_AGE_MS),
    }, workDir);
    startTime = new Date(Date.now() - 60_000).toISOString();
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
  });

  it('list-batches, prove, consistency; rotate the key while the gateway runs; old and new heads verify', async () => {
    const eventId = await unsealedEventId();
    for (let i = 0; i < 6; i++) await createAgent();
    await everythingSealed();

    const list = await run('caracal merkle list-batches');
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^BATCH\s+TREE SIZE\s+FIRST INDEX\s+LAST INDEX/);
    const batches = (await json('caracal merkle list-batches')).items;
    expect(batches.length).toBeGreaterThanOrEqual(2);
    const firstKeyId = batches[0].keyId;

    const prove = await run(`caracal merkle prove --event-id ${eventId}`);
    expect(prove).toMatchObject({ code: 0, stderr: '' });
    expect(prove.stdout).toContain(`Inclusion proof of event ${eventId}: OK`);
    expect(prove.stdout).toContain(`key id        ${firstKeyId}`);
    const lastBefore = batches[batches.length - 1].batchId;
    const consistency = await run(`caracal merkle consistency --from 1 --to ${lastBefore}`);
    expect(consistency).toMatchObject({ code: 0 });
    expect(consistency.stdout).toContain(`Consistency of batch 1 → batch ${lastBefore}: OK`);

    // The auditor keeps a copy of the public key before the rotation.
    expect(await run('caracal merkle key export-public --out keys-before.pem')).toMatchObject({ code: 0 });

    const rotate = await run('caracal merkle key rotate');
    expect(rotate.code).toBe(0);
    const newKeyId = /new key id {2}([0-9a-f]{64})/.exec(rotate.stdout)?.[1];
    expect(rotate.stdout).toContain(`old key id  ${firstKeyId}`);
    expect(newKeyId).toBeDefined();
    expect(statSync(join(dataDir, `merkle-signing-key.pem.${firstKeyId.slice(0, 16)}.retired`)).mode & 0o777).toBe(0o600);

    for (let i = 0; i < 6; i++) await createAgent();
    await everythingSealed();
    const after = (await json('caracal merkle list-batches --limit 1000')).items;
    expect(after[after.length - 1].keyId).toBe(newKeyId);
    expect(after.some((head: { keyId: string }) => head.keyId === firstKeyId)).toBe(true);

    const verify = await run(`caracal merkle verify-range --start-time ${startTime} --end-time now`);
    expect(verify).toMatchObject({ code: 0 });
    expect(verify.stdout).toContain(': OK');

    const keys = (await json('caracal merkle key export-public')).items;
    expect(keys.map((key: { keyId: string; retiredAt: string | null }) => [key.keyId, key.retiredAt === null])).toEqual([[firstKeyId, false], [newKeyId, true]]);

    // The same old event now proves against a head signed by the new key: the pre-rotation copy
    // does not know that key, the refreshed export does.
    const stale = await run(`caracal merkle prove --event-id ${eventId} --public-key keys-before.pem`);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain(`unknown_key: head (batch ${after[after.length - 1].batchId}) is signed by key ${newKeyId}`);
    expect(await run('caracal merkle key export-public --out keys-after.pem')).toMatchObject({ code: 0 });
    const fresh = await run(`caracal merkle prove --event-id ${eventId} --public-key keys-after.pem`);
    expect(fresh).toMatchObject({ code: 0 });
    expect(fresh.stdout).toContain(`key id        ${newKeyId}`);
    // Against its own (old-key) batch, with the old copy: still fine.
    const own = (await json(`caracal merkle prove --event-id ${eventId}`)).proof.eventBatchId;
    expect(await run(`caracal merkle prove --event-id ${eventId} --batch-id ${own} --public-key keys-before.pem`)).toMatchObject({ code: 0 });
    expect(await run(`caracal merkle consistency --from 1 --to ${after[after.length - 1].batchId} --public-key keys-after.pem`)).toMatchObject({ code: 0 });
  });
});
