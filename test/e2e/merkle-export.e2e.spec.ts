import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caracalBinDir, sh } from '@caracal/test-support/cli-shell.js';
import { startGatewayProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

/** Nothing listens there: verify-export must not need it. */
const NO_GATEWAY = 'http://127.0.0.1:9';

describe('caracal merkle export / verify-export with the built gateway (embedded profile)', () => {
  const binDir = caracalBinDir();
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-export-e2e-'));
  const dataDir = join(workDir, '.caracal');
  let gateway: GatewayProcess | null = null;

  const run = (commandLine: string) => sh(commandLine, { cwd: workDir, env: {}, binDir });

  beforeAll(async () => {
    gateway = await startGatewayProcess({
      CARACAL_DATA_DIR: dataDir,
      CARACAL_PRICEBOOK: pricebookWithResource('http://127.0.0.1:9/*', '0.01'),
      CARACAL_MERKLE_BATCH_LEAVES: '3',
      CARACAL_MERKLE_MAX_BATCH_AGE_MS: '200',
    }, workDir);
  });

  afterAll(async () => {
    await gateway?.stop();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
  });

  it('exports sealed events, verifies the bundle with no server, and names a tampered event', async () => {
    for (let i = 0; i < 4; i++) {
      const created = await run(`caracal agent create --name export-${i} --description "export test" --owner ops@example.com --json`);
      expect(created).toMatchObject({ code: 0 });
    }
    // Every event sealed: verify-range over everything has nothing unsealed left.
    let sealedEvents = 0;
    await waitFor(async () => {
      const range = await run('caracal merkle verify-range --start-time "2000-01-01T00:00:00Z" --end-time now --json');
      if (range.code !== 0) return false;
      const totals = JSON.parse(range.stdout).totals;
      sealedEvents = totals.sealedEvents;
      return totals.events >= 4 && totals.unsealedEvents === 0;
    }, 'every event sealed', 30_000, 300);

    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const bad = await fetch(`${gateway!.url}/v1/merkle/export?startTime=yesterday&endTime=now`, { headers: { Authorization: `Bearer ${token}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).details).toEqual([expect.objectContaining({ field: 'startTime' })]);

    const exported = await run('caracal merkle export --start-time "2000-01-01T00:00:00Z" --end-time now --out bundle');
    expect(exported).toMatchObject({ code: 0 });
    expect(exported.stdout).toContain(`Events:  ${sealedEvents} sealed events exported`);
    const again = await run('caracal merkle export --start-time "2000-01-01T00:00:00Z" --end-time now --out bundle');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not empty');

    await gateway!.stop();
    gateway = null;

    const verified = await run(`caracal merkle verify-export bundle --url ${NO_GATEWAY}`);
    expect(verified.stderr).toMatch(/^verified \d+ events in [0-9.]+ s \([0-9,]+ events\/s\)\n$/);
    expect(verified).toMatchObject({ code: 0 });
    expect(verified.stdout).toMatch(/^Bundle bundle .*: OK$/m);
    expect(verified.stdout).toContain('Failures: 0');

    // One byte of one event's type changed.
    const eventsFile = join(workDir, 'bundle', 'events.jsonl');
    const lines = readFileSync(eventsFile, 'utf8').split('\n');
    const target = JSON.parse(lines[1]);
    const at = lines[1].indexOf('"eventType":"') + '"eventType":"'.length;
    lines[1] = `${lines[1].slice(0, at)}${lines[1][at] === 'X' ? 'Y' : 'X'}${lines[1].slice(at + 1)}`;
    writeFileSync(eventsFile, lines.join('\n'));
    const tampered = await run(`caracal merkle verify-export bundle --url ${NO_GATEWAY}`);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain('FAILED');
    expect(tampered.stdout).toMatch(new RegExp(`leaf_mismatch batch=1 merkleIndex=1 eventId=${target.eventId}`));
    const asJson = await run(`caracal merkle verify-export bundle --url ${NO_GATEWAY} --json`);
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ ok: false, failures: [expect.objectContaining({ reason: 'file_hash_mismatch' })] });
  });
});
