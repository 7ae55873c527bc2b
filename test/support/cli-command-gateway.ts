// The CLI command tests' stand-in gateway (test/support/canned-gateway.ts): one answer for every
// request of a test, the requests with their JSON bodies parsed, and an environment that points
// the commands at it with an admin token and an empty data directory.
import { afterAll, afterEach, beforeAll, beforeEach, expect, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Policy } from '@caracal/api-contract';
import { CannedGateway, type CannedAnswer } from './canned-gateway.js';

export const ADMIN_TOKEN = 'cat_test-admin-token-do-not-print';
export const AGENT_ID = '3f2c5a9e-1b7d-4c1e-9a55-0d6f1e2a3b4c';
export const EVENT_ID = '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

/** A policy as the gateway answers it. */
export const policy: Policy = {
  policyId: '7d1e0c4b-8a2f-4e3d-b6c1-9f0a1b2c3d4e',
  agentId: AGENT_ID,
  limit: '100.00',
  currency: 'USD',
  timeWindow: 'daily',
  windowType: 'calendar',
  timezone: 'UTC',
  active: true,
  version: 1,
  changeReason: 'Initial budget allocation',
  changedBy: 'admin',
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
};

export interface SentRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined for none. */
  body: unknown;
}

export interface CommandGateway {
  readonly url: string;
  /** The current test's empty data directory (CARACAL_DATA_DIR). */
  readonly dataDir: string;
  /** What every request of the current test is answered (200 {} unless the test sets it). */
  answer: CannedAnswer;
  readonly requests: SentRequest[];
  /** The one request the command sent. */
  onlyRequest(): SentRequest;
}

/** Starts the gateway for the test file and sets up each test's environment. */
export function commandGateway(): CommandGateway {
  let canned: CannedGateway;
  let dataDir = '';
  const savedEnv = { ...process.env };
  const gateway: CommandGateway = {
    get url() {
      return canned.url;
    },
    get dataDir() {
      return dataDir;
    },
    answer: { status: 200, body: {} },
    get requests() {
      return canned.requests.map(({ method, url, headers, body }) => ({ method, url, headers, body: body === '' ? undefined : (JSON.parse(body) as unknown) }));
    },
    onlyRequest() {
      const { requests } = gateway;
      expect(requests).toHaveLength(1);
      return requests[0];
    },
  };

  beforeAll(async () => {
    canned = await CannedGateway.start();
    canned.answer = () => gateway.answer;
  });
  afterAll(async () => {
    await canned.close();
  });
  beforeEach(() => {
    canned.requests.length = 0;
    gateway.answer = { status: 200, body: {} };
    // An empty data dir, so a real ./.caracal next to the tests can never be picked up.
    dataDir = mkdtempSync(join(tmpdir(), 'caracal-cli-data-'));
    process.env.CARACAL_URL = canned.url;
    process.env.CARACAL_TOKEN = ADMIN_TOKEN;
    process.env.CARACAL_DATA_DIR = dataDir;
  });
  afterEach(() => {
    process.env = { ...savedEnv };
    rmSync(dataDir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });
  return gateway;
}

/** The argv bash hands to `caracal` for a runbook command, after the `caracal <topic> <command>` words. */
export function runbookArgv(commandLine: string, commandWords: number): string[] {
  const words = execFileSync('bash', ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8' }).split('\0').slice(0, -1);
  expect(words[0]).toBe('caracal');
  return words.slice(1 + commandWords);
}
