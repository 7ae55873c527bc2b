// Issue 10, as a new user met it: the built CLI against an embedded gateway with the shipped
// pricebook. Human output of the pricebook commands (an embedding model has no output price),
// publishing a copy of the pricebook twice, and global flags written before the command.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caracalBinDir, sh } from '@caracal/test-support/cli-shell.js';
import { REPO_ROOT, startGatewayProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';

const STACK = /TypeError|\n\s+at .*:\d+:\d+/;

describe('CLI output against an embedded gateway (issue 10)', () => {
  const binDir = caracalBinDir();
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-e2e-output-'));
  let gateway: GatewayProcess;
  const run = (commandLine: string) => sh(commandLine, { cwd: workDir, env: {}, binDir });

  beforeAll(async () => {
    gateway = await startGatewayProcess({ CARACAL_DATA_DIR: join(workDir, '.caracal') }, workDir);
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
  });

  it('pricebook list and get print every model, the embedding one without an output price', async () => {
    const list = await run('caracal pricebook list');
    expect(list.stderr).not.toMatch(STACK);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toMatch(/^openai +text-embedding-3-small +embedding +0\.02 +0\.02 \(= input\) +-$/m);
    const get = await run('caracal pricebook get --model text-embedding-3-small --provider openai');
    expect(get).toMatchObject({ code: 0, stderr: '' });
    expect(get.stdout).toContain('Output / 1M tokens:  - (embedding)');
  });

  it('pricebook set publishes a copy once; the same file again succeeds; other prices under that version are refused', async () => {
    const book = JSON.parse(readFileSync(join(REPO_ROOT, 'pricebook', 'pricebook.json'), 'utf8')) as { version: string; models: { inputPerMillion: string }[] };
    const file = join(workDir, 'pricebook-next.json');
    writeFileSync(file, JSON.stringify({ ...book, version: 'e2e-next' }, null, 2));
    const first = await run(`caracal pricebook set --file ${file}`);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^Pricebook e2e-next is published \(at .+\)\.$/m);
    const again = await run(`caracal pricebook set --file ${file}`);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout.split('\n')[0]).toBe(first.stdout.split('\n')[0]);

    writeFileSync(file, JSON.stringify({ ...book, version: 'e2e-next', models: [{ ...book.models[0], inputPerMillion: '9.99' }, ...book.models.slice(1)] }));
    const changed = await run(`caracal pricebook set --file ${file}`);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('Error: pricebook version e2e-next was already published with a different document');
    expect(changed.stderr).toContain('Nothing was published.');
  });

  it('takes global flags before the command, and prints a gateway error once', async () => {
    const before = await run(`caracal --url ${gateway.url} --json agent list`);
    expect(before).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(before.stdout)).toEqual({ items: [], nextCursor: null });
    const error = await run('caracal agent get --agent-id nope');
    expect(error.code).toBe(1);
    expect(error.stderr).toBe('Error: Validation failed: agentId: agentId must be a UUID\n');
  });
});
