// merkle export against a throw-away HTTP server standing in for the gateway's NDJSON, and
// merkle verify-export with no server at all: files written, output, exit codes, --json.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair } from '@caracal/merkle';
import { inMemoryLog } from '@caracal/sealing/testing';
import MerkleExport from './commands/merkle/export.js';
import MerkleVerifyExport from './commands/merkle/verify-export.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

const log = inMemoryLog(12, 5); // batches 1..3
let server: Server;
let requests: string[];
let records: unknown[];
let workDir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    response.end(records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = [];
  records = log.records();
  workDir = mkdtempSync(join(tmpdir(), 'caracal-cli-export-'));
  process.env.CARACAL_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.CARACAL_TOKEN = 'test-token';
  process.env.CARACAL_DATA_DIR = join(workDir, '.caracal');
});
afterEach(() => {
  process.env = { ...savedEnv };
  rmSync(workDir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

const exportArgs = (out: string): string[] => ['--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now', '--out', out];

describe('caracal merkle export', () => {
  it('streams GET /v1/merkle/export into the bundle files and prints the counts', async () => {
    const out = join(workDir, 'bundle');
    const run = await runCliCommand(MerkleExport, exportArgs(out));
    expect(run).toMatchObject({ stderr: '', exitCode: 0 });
    expect(requests).toEqual(['/v1/merkle/export?startTime=2024-01-01T00%3A00%3A00Z&endTime=now']);
    expect(run.stdout).toContain('Batches: 3 (1..3)');
    expect(run.stdout).toContain('Events:  12 sealed events exported');
    expect(run.stdout).toContain(`caracal merkle verify-export ${out}`);
    expect(readFileSync(join(out, 'events.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).files['events.jsonl']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a non-empty --out before calling the gateway (exit 2)', async () => {
    const out = join(workDir, 'used');
    mkdirSync(out);
    writeFileSync(join(out, 'x'), '');
    const run = await runCliCommand(MerkleExport, exportArgs(out));
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('is not empty');
    expect(requests).toEqual([]);
  });

  it('an error record or a stream cut before `end` fails (exit 1) and writes no manifest', async () => {
    records = [...log.records().slice(0, 4), { kind: 'error', error: 'internal_error', message: 'boom', request_id: 'req-1' }];
    const broken = await runCliCommand(MerkleExport, exportArgs(join(workDir, 'a')));
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toContain('the gateway stopped the export: boom');
    expect(broken.stderr).toContain('request id: req-1');
    expect(existsSync(join(workDir, 'a', 'manifest.json'))).toBe(false);
    records = log.records().slice(0, -1);
    const cut = await runCliCommand(MerkleExport, exportArgs(join(workDir, 'b')));
    expect(cut.exitCode).toBe(1);
    expect(cut.stderr).toContain('incomplete');
    expect(existsSync(join(workDir, 'b', 'manifest.json'))).toBe(false);
  });
});

describe('caracal merkle verify-export', () => {
  const NO_GATEWAY = 'http://127.0.0.1:9';

  async function exported(): Promise<string> {
    const out = join(workDir, 'bundle');
    expect((await runCliCommand(MerkleExport, exportArgs(out))).exitCode).toBe(0);
    requests = [];
    return out;
  }

  it('verifies offline: per batch OK, exit 0, no request made', async () => {
    const dir = await exported();
    const run = await runCliCommand(MerkleVerifyExport, [dir, '--url', NO_GATEWAY]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/^verified 12 events in [0-9.]+ s \([0-9,]+ events\/s\)\n$/);
    expect(run.stdout).toContain('Batch 1: OK (5 leaves)');
    expect(run.stdout).toContain('Batch 3: OK (2 leaves)');
    expect(run.stdout).toContain('Failures: 0');
    expect(requests).toEqual([]);
  });

  it('names a changed event; trusts only --public-key keys when given; --json', async () => {
    const dir = await exported();
    const keyFile = join(workDir, 'real.pem');
    writeFileSync(keyFile, log.key.publicKeyPem);
    expect((await runCliCommand(MerkleVerifyExport, [dir, '--public-key', keyFile])).exitCode).toBe(0);
    const strangerFile = join(workDir, 'stranger.pem');
    writeFileSync(strangerFile, generateSigningKeyPair().publicKeyPem);
    const stranger = await runCliCommand(MerkleVerifyExport, [dir, '--public-key', strangerFile]);
    expect(stranger.exitCode).toBe(1);
    expect(stranger.stdout).toContain(`unknown_key batch=1 actual=${log.key.keyId}`);

    const file = join(dir, 'events.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('\\"i\\":7', '\\"i\\":8'));
    const run = await runCliCommand(MerkleVerifyExport, [dir, '--url', NO_GATEWAY]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('Batch 2: FAILED (leaf_mismatch, root_mismatch)');
    expect(run.stdout).toContain(`leaf_mismatch batch=2 merkleIndex=7 eventId=${log.events[7].eventId}`);
    const json = await runCliCommand(MerkleVerifyExport, [dir, '--json']);
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, keys: 'bundle', totals: { batchesFailed: 1 } });
  });

  it('a directory that is not a bundle is a usage error (exit 2)', async () => {
    const run = await runCliCommand(MerkleVerifyExport, [workDir]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('is not a readable export bundle');
  });
});
