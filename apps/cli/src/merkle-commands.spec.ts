// merkle verify-batch / verify-range against a throw-away HTTP server standing in for the gateway
// (as the other *-commands.spec.ts): the runbook forms, the output, exit codes and --json.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MerkleVerifyBatch from './commands/merkle/verify-batch.js';
import MerkleVerifyRange from './commands/merkle/verify-range.js';
import type { MerkleBatchVerification, MerkleRangeVerification } from '@caracal/api-contract';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

let server: Server;
let requests: { method: string; url: string; authorization?: string }[];
/** ndjson: answer these records as application/x-ndjson instead of body as JSON (the streaming mode). */
let answer: { status: number; body: unknown; ndjson?: unknown[] };
let accepts: (string | undefined)[];
let dataDir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization });
    accepts.push(request.headers.accept);
    request.resume();
    request.on('end', () => {
      if (answer.ndjson !== undefined) {
        response.writeHead(answer.status, { 'Content-Type': 'application/x-ndjson' });
        response.end(answer.ndjson.map((record) => `${JSON.stringify(record)}\n`).join(''));
        return;
      }
      response.writeHead(answer.status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = [];
  accepts = [];
  answer = { status: 200, body: {} };
  dataDir = mkdtempSync(join(tmpdir(), 'caracal-cli-merkle-'));
  process.env.CARACAL_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.CARACAL_TOKEN = 'test-token';
  process.env.CARACAL_DATA_DIR = dataDir;
});
afterEach(() => {
  process.env = { ...savedEnv };
  rmSync(dataDir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

function runbookArgv(commandLine: string): string[] {
  const words = execFileSync('bash', ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8' }).split('\0').slice(0, -1);
  expect(words.slice(0, 2)).toEqual(['caracal', 'merkle']);
  return words.slice(3);
}

const EVENT_ID = '0b7e3c1a-5d2f-4e8a-9c61-2f4d8a7b9e10';
const okBatch: MerkleBatchVerification = { batchId: '3', ok: true, leavesChecked: 8, failures: [] };
const failedBatch: MerkleBatchVerification = {
  batchId: '2',
  ok: false,
  leavesChecked: 8,
  failures: [
    { reason: 'leaf_mismatch', batchId: '2', merkleIndex: 11, eventId: EVENT_ID, globalPosition: '14', expected: 'aa11', actual: 'bb22' },
    { reason: 'root_mismatch', batchId: '2', expected: 'cc33', actual: 'dd44' },
  ],
};

function range(batches: MerkleBatchVerification[]): MerkleRangeVerification {
  const failed = batches.filter((batch) => !batch.ok).length;
  const failures = batches.reduce((n, batch) => n + batch.failures.length, 0);
  return {
    start: '2024-01-01T00:00:00.000000Z',
    end: '2024-01-31T23:59:59.000000Z',
    ok: failed === 0,
    batches,
    failures: [],
    unsealed: [{ eventId: EVENT_ID, globalPosition: '40', recordedAt: '2024-01-31T23:00:00.000000Z', merkleIndex: 30 }],
    truncated: false,
    uncoveredEvents: 0,
    totals: { batches: batches.length, batchesOk: batches.length - failed, batchesFailed: failed, missingBatches: 0, events: 17, sealedEvents: 16, unsealedEvents: 1, failures },
  };
}

describe('caracal merkle verify-batch', () => {
  it('runbook form: GET /v1/merkle/batches/{id}/verify with the admin token, OK, exit 0', async () => {
    answer = { status: 200, body: okBatch };
    const run = await runCliCommand(MerkleVerifyBatch, runbookArgv('caracal merkle verify-batch --batch-id 3'));
    expect(requests).toEqual([{ method: 'GET', url: '/v1/merkle/batches/3/verify', authorization: 'Bearer test-token' }]);
    expect(run).toEqual({ stdout: 'Batch 3: OK (8 leaves)\n', stderr: '', exitCode: 0 });
  });

  it('a failed batch names batch, merkle index, event and what differs; exit 1', async () => {
    answer = { status: 200, body: failedBatch };
    const run = await runCliCommand(MerkleVerifyBatch, ['--batch-id', '2']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')).toEqual([
      'Batch 2: FAILED (leaf_mismatch, root_mismatch)',
      `  - leaf_mismatch batch=2 merkleIndex=11 eventId=${EVENT_ID} globalPosition=14 expected=aa11 actual=bb22`,
      '  - root_mismatch batch=2 expected=cc33 actual=dd44',
      '',
    ]);
  });

  it('--json prints the answer as sent and still exits 1 on failure', async () => {
    answer = { status: 200, body: failedBatch };
    const run = await runCliCommand(MerkleVerifyBatch, ['--batch-id', '2', '--json']);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual(failedBatch);
  });

  it('a batch id that is not a positive integer is a usage error (exit 2), no request', async () => {
    const run = await runCliCommand(MerkleVerifyBatch, ['--batch-id', '../ops/reset']);
    expect(run.exitCode).toBe(2);
    expect(requests).toEqual([]);
  });

  it('a gateway error (404) exits 1 with the message', async () => {
    answer = { status: 404, body: { error: 'not_found', message: 'batch 99 not found', request_id: 'r' } };
    const run = await runCliCommand(MerkleVerifyBatch, ['--batch-id', '99']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('batch 99 not found');
  });
});

describe('caracal merkle verify-range', () => {
  it('runbook form: GET /v1/merkle/verify-range?startTime&endTime, per batch OK, unsealed not a failure, exit 0', async () => {
    answer = { status: 200, body: range([okBatch]) };
    const run = await runCliCommand(MerkleVerifyRange, runbookArgv(`caracal merkle verify-range \\
--start-time "2024-01-01T00:00:00Z" \\
--end-time "2024-01-31T23:59:59Z"`));
    expect(requests).toHaveLength(1);
    const url = new URL(requests[0].url, 'http://x');
    expect(url.pathname).toBe('/v1/merkle/verify-range');
    expect(Object.fromEntries(url.searchParams)).toEqual({ startTime: '2024-01-01T00:00:00Z', endTime: '2024-01-31T23:59:59Z' });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'Range 2024-01-01T00:00:00.000000Z .. 2024-01-31T23:59:59.000000Z: OK',
      '',
      'Batch 3: OK (8 leaves)',
      '',
      'Batches: 1 (1 ok, 0 failed, 0 missing)',
      'Events:  17 (16 sealed, 1 not sealed yet)',
      'Failures: 0',
      '',
    ]);
  });

  it('--end-time now is passed through; a failed batch exits 1', async () => {
    answer = { status: 200, body: range([okBatch, failedBatch]) };
    const run = await runCliCommand(MerkleVerifyRange, runbookArgv('caracal merkle verify-range --start-time 2024-01-01T00:00:00Z --end-time now'));
    expect(new URL(requests[0].url, 'http://x').searchParams.get('endTime')).toBe('now');
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('Range 2024-01-01T00:00:00.000000Z .. 2024-01-31T23:59:59.000000Z: FAILED');
    expect(run.stdout).toContain('Batch 2: FAILED (leaf_mismatch, root_mismatch)');
    expect(run.stdout).toContain(`  - leaf_mismatch batch=2 merkleIndex=11 eventId=${EVENT_ID}`);
  });

  it('range failures (missing batches, uncovered events) are listed and exit 1; --json as sent', async () => {
    const body = { ...range([okBatch]), ok: false, failures: [{ reason: 'batch_missing', batchId: '2' }] };
    answer = { status: 200, body };
    const human = await runCliCommand(MerkleVerifyRange, ['--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now']);
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toContain('Range failures:\n  - batch_missing batch=2');
    const json = await runCliCommand(MerkleVerifyRange, ['--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now', '--json']);
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual(body);
  });

  it('asks for NDJSON; progress records draw a bar on a terminal stderr, the last record is the report', async () => {
    answer = { status: 200, body: {}, ndjson: [{ type: 'progress', done: 1, total: 2 }, { type: 'progress', done: 2, total: 2 }, { type: 'report', report: range([okBatch, failedBatch]) }] };
    const drawn: string[] = [];
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      drawn.push(String(chunk));
      return true;
    });
    try {
      const run = await runCliCommand(MerkleVerifyRange, ['--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now']);
      expect(accepts).toEqual(['application/x-ndjson']);
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain('Batch 2: FAILED (leaf_mismatch, root_mismatch)');
    } finally {
      write.mockRestore();
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
    expect(drawn.slice(0, 2)).toEqual([
      `\r[${'#'.repeat(15)}${'-'.repeat(15)}] 1/2 batches`,
      `\r[${'#'.repeat(30)}] 2/2 batches`,
    ]);
    // --json: no bar, the report as sent.
    drawn.length = 0;
    const json = await runCliCommand(MerkleVerifyRange, ['--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(range([okBatch, failedBatch]));
  });

  it('an error record (verification broke after the answer started) exits 1 with its message and request id', async () => {
    answer = { status: 200, body: {}, ndjson: [{ type: 'progress', done: 1, total: 5 }, { type: 'error', error: 'internal_error', message: 'boom', request_id: 'req-1' }] };
    const run = await runCliCommand(MerkleVerifyRange, ['--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('the gateway stopped verifying: boom');
    expect(run.stderr).toContain('request id: req-1');
    expect(run.stdout).toBe('');
  });

  it('bad or reversed times are usage errors (exit 2), no request', async () => {
    const bad = await runCliCommand(MerkleVerifyRange, ['--start-time', 'yesterday', '--end-time', 'now']);
    const reversed = await runCliCommand(MerkleVerifyRange, ['--start-time', '2024-02-01T00:00:00Z', '--end-time', '2024-01-01T00:00:00Z']);
    expect([bad.exitCode, reversed.exitCode]).toEqual([2, 2]);
    expect(requests).toEqual([]);
  });
});
