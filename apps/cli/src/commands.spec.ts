// Runs commands in-process against a throw-away HTTP server that stands in for the gateway:
// it records each request and answers with canned JSON shaped as docs/api.md says. The runbook
// forms are split into argv by bash itself, exactly as an operator's shell would.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, Interfaces } from '@oclif/core';
import AgentCreate from './commands/agent/create.js';
import AgentGet from './commands/agent/get.js';
import AgentKeysRevoke from './commands/agent/keys/revoke.js';
import AgentKeysRotate from './commands/agent/keys/rotate.js';
import AgentList from './commands/agent/list.js';
import AgentUpdate from './commands/agent/update.js';
import AllowlistCreate from './commands/allowlist/create.js';
import AllowlistTest from './commands/allowlist/test.js';
import PolicyCreate from './commands/policy/create.js';
import PolicyList from './commands/policy/list.js';
import PolicyUpdate from './commands/policy/update.js';
import type { Agent, AllowlistEntry, Policy } from './gateway-api.js';

const ADMIN_TOKEN = 'cat_test-admin-token-do-not-print';
const AGENT_ID = '3f2c5a9e-1b7d-4c1e-9a55-0d6f1e2a3b4c';

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

interface CannedAnswer {
  status: number;
  body: unknown;
}

let server: Server;
let gatewayUrl: string;
let requests: RecordedRequest[];
let answer: CannedAnswer;
let dataDir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: text === '' ? undefined : JSON.parse(text),
      });
      response.writeHead(answer.status, { 'Content-Type': 'application/json', 'X-Caracal-Request-Id': 'req-1' });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests = [];
  answer = { status: 200, body: {} };
  // An empty data dir, so a real ./.caracal next to the tests can never be picked up.
  dataDir = mkdtempSync(join(tmpdir(), 'caracal-cli-data-'));
  process.env.CARACAL_URL = gatewayUrl;
  process.env.CARACAL_TOKEN = ADMIN_TOKEN;
  process.env.CARACAL_DATA_DIR = dataDir;
});

afterEach(() => {
  process.env = { ...savedEnv };
  rmSync(dataDir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

// The root package.json minus command discovery: the tests hand oclif the command classes
// themselves instead of letting it import the compiled ones from dist/.
const loadOptions: Interfaces.LoadOptions = {
  root: process.cwd(),
  pjson: { name: 'caracal-core', version: '0.0.0', oclif: { bin: 'caracal', topicSeparator: ' ' } } as Interfaces.PJSON,
};

interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

async function runCli(command: Command.Class, argv: string[]): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  // oclif's this.log and this.logToStderr write through console.
  jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void stdout.push(`${parts.join(' ')}\n`));
  jest.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void stderr.push(`${parts.join(' ')}\n`));
  let exitCode = 0;
  try {
    await command.run(argv, loadOptions);
  } catch (error) {
    // this.exit(n) and oclif's own usage errors carry their exit code here.
    const exit = (error as { oclif?: { exit?: number } }).oclif?.exit;
    if (exit === undefined) throw error;
    exitCode = exit;
  }
  jest.restoreAllMocks();
  return { stdout: stdout.join(''), stderr: stderr.join(''), exitCode };
}

/** The argv bash hands to `caracal` for a runbook command, after the `caracal <topic> <command>` words. */
function runbookArgv(commandLine: string, commandWords: number): string[] {
  const words = execFileSync('bash', ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8' }).split('\0').slice(0, -1);
  expect(words[0]).toBe('caracal');
  return words.slice(1 + commandWords);
}

const agent: Agent = {
  agentId: AGENT_ID,
  name: 'my-agent',
  description: 'My AI agent',
  owner: 'user@example.com',
  parentAgentId: null,
  rootAgentId: AGENT_ID,
  status: 'active',
  suspendedReason: null,
  metadata: {},
  version: 1,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
};

const policy: Policy = {
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

function allowlistEntry(pattern: string, patternType: string): AllowlistEntry {
  return { entryId: 'a1b2c3d4-0000-4000-8000-000000000009', agentId: AGENT_ID, pattern, patternType, createdAt: '2024-01-01T00:00:00.000Z', removedAt: null };
}

function onlyRequest(): RecordedRequest {
  expect(requests).toHaveLength(1);
  return requests[0];
}

describe('runbook commands, as written in operational-runbook.txt', () => {
  it('caracal agent create: POST /v1/agents with the admin token, then the agent id and the one-time key', async () => {
    answer = { status: 201, body: { agent, apiKey: { keyId: 'k-1', key: 'ck_one_time_secret' } } };
    const run = await runCli(
      AgentCreate,
      runbookArgv(
        `caracal agent create \\
--name "my-agent" \\
--description "My AI agent" \\
--owner "user@example.com"`,
        2,
      ),
    );
    expect(run.exitCode).toBe(0);
    const request = onlyRequest();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/agents');
    expect(request.headers.authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body).toStrictEqual({ name: 'my-agent', description: 'My AI agent', owner: 'user@example.com' });
    const lines = run.stdout.split('\n');
    expect(lines[1]).toBe(`Agent ID:    ${AGENT_ID}`);
    expect(lines[2]).toBe('API key:     ck_one_time_secret');
    expect(run.stdout).toContain('shown only this once');
    expect(run.stderr).toBe('');
  });

  it('caracal policy create: the limit is sent as the string "100.00"', async () => {
    answer = { status: 201, body: policy };
    const run = await runCli(
      PolicyCreate,
      runbookArgv(
        `caracal policy create \\
--agent-id ${AGENT_ID} \\
--limit 100.00 \\
--currency USD \\
--time-window daily \\
--window-type calendar \\
--change-reason "Initial budget allocation"`,
        2,
      ),
    );
    expect(run.exitCode).toBe(0);
    const request = onlyRequest();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/policies');
    expect(request.headers.authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    expect(request.body).toStrictEqual({
      agentId: AGENT_ID,
      limit: '100.00',
      currency: 'USD',
      timeWindow: 'daily',
      windowType: 'calendar',
      changeReason: 'Initial budget allocation',
    });
    expect(run.stdout).toContain('Limit:          100.00 USD');
  });

  it('caracal allowlist create (regex): the pattern arrives exactly as bash passed it', async () => {
    answer = { status: 201, body: allowlistEntry('^https://api\\.openai\\.com/.*$', 'regex') };
    const run = await runCli(
      AllowlistCreate,
      runbookArgv(
        `caracal allowlist create \\
--agent-id ${AGENT_ID} \\
--pattern "^https://api\\\\.openai\\\\.com/.*$" \\
--pattern-type regex`,
        2,
      ),
    );
    expect(run.exitCode).toBe(0);
    const request = onlyRequest();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/allowlists');
    // bash turns the runbook's \\. into \. inside double quotes.
    expect(request.body).toStrictEqual({ agentId: AGENT_ID, pattern: '^https://api\\.openai\\.com/.*$', patternType: 'regex' });
    expect(run.stdout).toContain('Pattern:       ^https://api\\.openai\\.com/.*$');
  });

  it('caracal allowlist create (glob)', async () => {
    answer = { status: 201, body: allowlistEntry('https://api.anthropic.com/*', 'glob') };
    const run = await runCli(
      AllowlistCreate,
      runbookArgv(
        `caracal allowlist create \\
--agent-id ${AGENT_ID} \\
--pattern "https://api.anthropic.com/*" \\
--pattern-type glob`,
        2,
      ),
    );
    expect(run.exitCode).toBe(0);
    expect(onlyRequest().body).toStrictEqual({ agentId: AGENT_ID, pattern: 'https://api.anthropic.com/*', patternType: 'glob' });
  });
});

describe('requests', () => {
  it('agent list sends its filters as query parameters', async () => {
    answer = { status: 200, body: { items: [agent], nextCursor: 'next-page' } };
    const run = await runCli(AgentList, ['--owner', 'user@example.com', '--status', 'suspended', '--limit', '10']);
    const request = onlyRequest();
    expect(request.method).toBe('GET');
    expect(request.url).toBe('/v1/agents?owner=user%40example.com&status=suspended&limit=10');
    expect(request.body).toBeUndefined();
    expect(run.stdout).toContain('More agents: rerun with --cursor next-page');
  });

  it('policy list asks for active policies unless --all', async () => {
    answer = { status: 200, body: { items: [], nextCursor: null } };
    await runCli(PolicyList, ['--agent-id', AGENT_ID]);
    await runCli(PolicyList, ['--all']);
    expect(requests.map((request) => request.url)).toEqual([`/v1/policies?agentId=${AGENT_ID}&active=true`, '/v1/policies']);
  });

  it('policy update sends only the changed terms and the reason', async () => {
    answer = { status: 200, body: { ...policy, limit: '250.00', version: 2 } };
    await runCli(PolicyUpdate, ['--policy-id', policy.policyId, '--limit', '250.00', '--change-reason', 'Launch week']);
    const request = onlyRequest();
    expect(request.method).toBe('PATCH');
    expect(request.url).toBe(`/v1/policies/${policy.policyId}`);
    expect(request.body).toStrictEqual({ limit: '250.00', changeReason: 'Launch week' });
  });

  it('agent update sends repeated --metadata as one map', async () => {
    answer = { status: 200, body: agent };
    await runCli(AgentUpdate, ['--agent-id', AGENT_ID, '--metadata', 'team=ml', '--metadata', 'query=a=b']);
    expect(onlyRequest().body).toStrictEqual({ metadata: { team: 'ml', query: 'a=b' } });
  });

  it('agent keys rotate and revoke call the key routes', async () => {
    answer = { status: 201, body: { keyId: 'k-2', key: 'ck_new', revokedKeyId: 'k-1' } };
    const rotated = await runCli(AgentKeysRotate, ['--agent-id', AGENT_ID, '--key-id', 'k-1']);
    answer = { status: 200, body: { keyId: 'k-2', agentId: AGENT_ID, status: 'revoked', createdAt: 't', revokedAt: 't' } };
    await runCli(AgentKeysRevoke, ['--agent-id', AGENT_ID, '--key-id', 'k-2']);
    expect(requests.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', `/v1/agents/${AGENT_ID}/keys/k-1/rotate`, {}],
      ['DELETE', `/v1/agents/${AGENT_ID}/keys/k-2`, undefined],
    ]);
    expect(rotated.stdout).toContain('API key:         ck_new');
    expect(rotated.stdout).toContain('shown only this once');
  });

  it('encodes ids, so an id cannot reach another route', async () => {
    answer = { status: 200, body: agent };
    await runCli(AgentGet, ['--agent-id', '../policies?x=1']);
    expect(onlyRequest().url).toBe('/v1/agents/..%2Fpolicies%3Fx%3D1');
  });

  it('allowlist test: --url is the URL to check, the gateway comes from --gateway-url', async () => {
    answer = { status: 200, body: { allowed: false, normalizedUrl: 'https://example.com/', matchedEntry: null, message: 'no entry matches' } };
    process.env.CARACAL_URL = 'http://127.0.0.1:1';
    const run = await runCli(AllowlistTest, ['--agent-id', AGENT_ID, '--url', 'https://EXAMPLE.com:443', '--gateway-url', gatewayUrl]);
    expect(run.exitCode).toBe(0);
    expect(onlyRequest().body).toStrictEqual({ agentId: AGENT_ID, url: 'https://EXAMPLE.com:443' });
    expect(run.stdout).toContain('Allowed:         no');
  });
});

describe('--json', () => {
  it("prints the gateway's answer exactly, pretty-printed", async () => {
    const body = { items: [policy], nextCursor: null };
    answer = { status: 200, body };
    const run = await runCli(PolicyList, ['--json']);
    expect(run.stdout).toBe(`${JSON.stringify(body, null, 2)}\n`);
  });
});

describe('errors', () => {
  it('a 400 prints the message and each field, exits 1, no stack', async () => {
    answer = {
      status: 400,
      body: {
        error: 'validation_failed',
        message: 'request validation failed',
        request_id: 'req-1',
        details: [
          { field: 'limit', message: 'must be a decimal amount such as 100.00' },
          { field: 'currency', message: 'unknown currency XYZ' },
        ],
      },
    };
    const run = await runCli(PolicyCreate, [
      '--agent-id', AGENT_ID, '--limit', 'ten', '--currency', 'XYZ', '--time-window', 'daily', '--window-type', 'calendar', '--change-reason', 'r',
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'Error: request validation failed\n  limit: must be a decimal amount such as 100.00\n  currency: unknown currency XYZ\n',
    );
  });

  it('a 401 says where the token came from, never the token', async () => {
    answer = { status: 401, body: { error: 'unauthorized', message: 'missing or wrong admin token', request_id: 'req-1' } };
    const run = await runCli(AgentGet, ['--agent-id', AGENT_ID]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      "Error: missing or wrong admin token\n  The admin token came from CARACAL_TOKEN; check that it is the gateway's.\n",
    );
    expect(run.stdout + run.stderr).not.toContain(ADMIN_TOKEN);
  });

  it('a 5xx gives the request id to look for in the gateway logs', async () => {
    answer = { status: 503, body: { error: 'store_unavailable', message: 'the event store is unreachable', request_id: 'req-42' } };
    const run = await runCli(AgentGet, ['--agent-id', AGENT_ID]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe('Error: the event store is unreachable\n  request id: req-42\n');
  });

  it('connection refused names the URL and how to start or point at a gateway', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const run = await runCli(AgentGet, ['--agent-id', AGENT_ID, '--url', deadUrl]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      `Error: cannot reach the Caracal gateway at ${deadUrl} (ECONNREFUSED).\n` +
        '  Start the embedded gateway with `npm start`, or point the CLI at a running one with --url or CARACAL_URL.\n',
    );
  });

  it('a missing token is a usage error (exit 2) and nothing is sent', async () => {
    delete process.env.CARACAL_TOKEN;
    const run = await runCli(AgentGet, ['--agent-id', AGENT_ID]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^Error: no admin token found\.\n {2}Looked in: --token, CARACAL_TOKEN, /);
    expect(requests).toHaveLength(0);
  });

  it('oclif usage errors exit 2 before any request', async () => {
    const badWindow = await runCli(PolicyCreate, [
      '--agent-id', AGENT_ID, '--limit', '1', '--currency', 'USD', '--time-window', 'yearly', '--window-type', 'calendar', '--change-reason', 'r',
    ]);
    const nothingToUpdate = await runCli(AgentUpdate, ['--agent-id', AGENT_ID]);
    const badMetadata = await runCli(AgentUpdate, ['--agent-id', AGENT_ID, '--metadata', 'no-equals-sign']);
    expect([badWindow.exitCode, nothingToUpdate.exitCode, badMetadata.exitCode]).toEqual([2, 2, 2]);
    expect(nothingToUpdate.stderr).toBe('Error: nothing to update: pass --name, --description or --metadata.\n');
    expect(badMetadata.stderr).toBe('Error: --metadata expects key=value, got "no-equals-sign".\n');
    expect(requests).toHaveLength(0);
  });
});
