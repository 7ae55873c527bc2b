// Runs commands in-process against a throw-away HTTP server that stands in for the gateway:
// it records each request and answers with canned JSON shaped as docs/api.md says. The runbook
// forms are split into argv by bash itself, exactly as an operator's shell would.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AgentCreate from './commands/agent/create.js';
import AgentGet from './commands/agent/get.js';
import AgentKeysRevoke from './commands/agent/keys/revoke.js';
import AgentKeysRotate from './commands/agent/keys/rotate.js';
import AgentList from './commands/agent/list.js';
import AgentUpdate from './commands/agent/update.js';
import AllowlistCreate from './commands/allowlist/create.js';
import AllowlistTest from './commands/allowlist/test.js';
import DbHealthCheck from './commands/db/health-check.js';
import DbReset from './commands/db/reset.js';
import DlqDiscard from './commands/dlq/discard.js';
import DlqGet from './commands/dlq/get.js';
import DlqList from './commands/dlq/list.js';
import DlqRetry from './commands/dlq/retry.js';
import KafkaConsumerLag from './commands/kafka/consumer-lag.js';
import LedgerQuery from './commands/ledger/query.js';
import PolicyCreate from './commands/policy/create.js';
import PolicyList from './commands/policy/list.js';
import PolicyUpdate from './commands/policy/update.js';
import PricebookSet from './commands/pricebook/set.js';
import type { Agent, AllowlistEntry, ConsumerLag, DlqEntry, HealthReport, LedgerEntry, PatternType, Policy, PolicyUsage } from '@caracal/api-contract';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

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

function allowlistEntry(pattern: string, patternType: PatternType): AllowlistEntry {
  return { entryId: 'a1b2c3d4-0000-4000-8000-000000000009', agentId: AGENT_ID, pattern, patternType, createdAt: '2024-01-01T00:00:00.000Z', removedAt: null };
}

const EVENT_ID = '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

const ledgerEntry: LedgerEntry = {
  entryId: 'le-1',
  eventId: EVENT_ID,
  globalPosition: '42',
  agentId: AGENT_ID,
  agentPath: [AGENT_ID],
  reservationId: 'r-1',
  resource: 'https://api.openai.com/v1/chat/completions',
  model: 'gpt-4o',
  usage: { inputTokens: 1000, outputTokens: 200 },
  amount: '0.004500',
  currency: 'USD',
  pricebookVersion: '2024-01',
  kind: 'settled',
  occurredAt: '2024-01-15T10:00:00.000Z',
  recordedAt: '2024-01-15T10:00:00.100Z',
};

const policyUsage: PolicyUsage = {
  policyId: policy.policyId,
  agentId: AGENT_ID,
  timeWindow: 'daily',
  windowType: 'calendar',
  timezone: 'UTC',
  currency: 'USD',
  limit: '100.00',
  spent: '12.50',
  held: '1.25',
  remaining: '86.25',
  windowStart: '2024-01-15T00:00:00.000Z',
  windowEnd: '2024-01-16T00:00:00.000Z',
};

const dlqEntry: DlqEntry = {
  id: '7',
  processor: 'ledger-writer-group',
  version: 1,
  eventId: EVENT_ID,
  globalPosition: '42',
  streamId: `reservation-${AGENT_ID}`,
  eventType: 'SpendSettled',
  error: 'unknown currency XYZ',
  attempts: 5,
  firstFailedAt: '2024-01-15T10:00:01.000Z',
  lastFailedAt: '2024-01-15T10:00:04.000Z',
  status: 'parked',
};

const ledgerWriterLag: ConsumerLag = {
  consumerGroup: 'ledger-writer-group',
  version: 1,
  eventsBehind: 1250,
  oldestUnprocessedAt: '2024-01-15T09:47:00.000Z',
  oldestUnprocessedAgeSeconds: 780.4,
  lastCheckpointAt: '2024-01-15T09:46:59.000Z',
  eventsProcessed: 98000,
  owner: 'gateway-7f9c:4242',
  leaseExpiresAt: '2024-01-15T10:00:15.000Z',
  leaseActive: true,
  bus: 'event-store',
};

function healthReport(status: 'ok' | 'unavailable'): HealthReport {
  return {
    status,
    checks: {
      database: status === 'ok' ? { status: 'ok' } : { status: 'unavailable', error: 'connect ECONNREFUSED 10.0.0.5:5432' },
      migrations: { status: 'ok', applied: 5 },
      processors: { 'ledger-writer-group': { status: 'degraded', eventsBehind: 1250 } },
      dlq: { status: 'ok', size: 0 },
    },
  };
}

function onlyRequest(): RecordedRequest {
  expect(requests).toHaveLength(1);
  return requests[0];
}

describe('runbook commands, as written in operational-runbook.txt', () => {
  it('caracal agent create: POST /v1/agents with the admin token, then the agent id and the one-time key', async () => {
    answer = { status: 201, body: { agent, apiKey: { keyId: 'k-1', key: 'ck_one_time_secret' } } };
    const run = await runCliCommand(
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
    const run = await runCliCommand(
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
    const run = await runCliCommand(
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
    const run = await runCliCommand(
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
  it('caracal ledger query (time range): GET /v1/ledger/entries with the times as written, entries then totals', async () => {
    answer = { status: 200, body: { items: [ledgerEntry], nextCursor: null, totals: [{ currency: 'USD', amount: '0.004500', entries: 1 }] } };
    const run = await runCliCommand(
      LedgerQuery,
      runbookArgv(
        `caracal ledger query \\
--agent-id ${AGENT_ID} \\
--start-time "2024-01-01T00:00:00Z" \\
--end-time "2024-01-31T23:59:59Z"`,
        2,
      ),
    );
    expect(run.exitCode).toBe(0);
    const request = onlyRequest();
    expect(request.method).toBe('GET');
    expect(request.url).toBe(`/v1/ledger/entries?agentId=${AGENT_ID}&startTime=2024-01-01T00%3A00%3A00Z&endTime=2024-01-31T23%3A59%3A59Z`);
    expect(request.headers.authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    expect(request.body).toBeUndefined();
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^TIME +AMOUNT +OVERAGE +CURRENCY +RESOURCE +MODEL +KIND$/);
    expect(lines[1]).toBe('2024-01-15T10:00:00.000Z  0.004500        -  USD       https://api.openai.com/v1/chat/completions  gpt-4o  settled');
    expect(run.stdout).toContain('Totals from 2024-01-01T00:00:00Z to 2024-01-31T23:59:59Z (all pages):\nCURRENCY     TOTAL  ENTRIES\nUSD       0.004500        1\n');
    expect(run.stderr).toBe('');
  });

  it('caracal ledger query (current daily spending): GET /v1/ledger/usage, one row per policy', async () => {
    answer = { status: 200, body: { agentId: AGENT_ID, at: '2024-01-15T10:00:00.000Z', items: [policyUsage] } };
    const run = await runCliCommand(
      LedgerQuery,
      runbookArgv(
        `caracal ledger query \\
--agent-id ${AGENT_ID} \\
--time-window daily`,
        2,
      ),
    );
    expect(run.exitCode).toBe(0);
    const request = onlyRequest();
    expect(request.method).toBe('GET');
    expect(request.url).toBe(`/v1/ledger/usage?agentId=${AGENT_ID}&timeWindow=daily`);
    expect(request.body).toBeUndefined();
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`Agent ID:  ${AGENT_ID}`);
    expect(lines[3]).toMatch(/^POLICY ID +AGENT ID +WINDOW +LIMIT +SPENT +HELD +REMAINING +CURRENCY$/);
    expect(lines[4]).toBe(
      `${policy.policyId}  ${AGENT_ID}  2024-01-15T00:00:00.000Z – 2024-01-16T00:00:00.000Z  100.00  12.50  1.25      86.25  USD`,
    );
  });

  it('caracal dlq list: GET /v1/dlq for the parked entries', async () => {
    answer = { status: 200, body: { items: [dlqEntry], size: 1 } };
    const run = await runCliCommand(DlqList, runbookArgv('caracal dlq list', 2));
    expect(run.exitCode).toBe(0);
    const request = onlyRequest();
    expect(request.method).toBe('GET');
    expect(request.url).toBe('/v1/dlq?status=parked');
    expect(request.body).toBeUndefined();
    expect(run.stdout).toContain(`${EVENT_ID}  ledger-writer-group v1  SpendSettled`);
    expect(run.stdout).toContain('unknown currency XYZ');
    expect(run.stdout.endsWith('DLQ size (parked entries): 1\n')).toBe(true);
  });

  it('caracal dlq get: GET /v1/dlq/{eventId}, one block per processor', async () => {
    answer = { status: 200, body: { items: [dlqEntry] } };
    const run = await runCliCommand(DlqGet, runbookArgv(`caracal dlq get --event-id ${EVENT_ID}`, 2));
    expect(run.exitCode).toBe(0);
    const request = onlyRequest();
    expect([request.method, request.url, request.body]).toEqual(['GET', `/v1/dlq/${EVENT_ID}`, undefined]);
    expect(run.stdout).toContain('Processor:        ledger-writer-group v1');
    expect(run.stdout).toContain('Error:            unknown currency XYZ');
  });

  it('caracal kafka consumer-lag: GET /v1/consumer-lag for the group, and the bus it reads', async () => {
    answer = { status: 200, body: { items: [ledgerWriterLag] } };
    const run = await runCliCommand(KafkaConsumerLag, runbookArgv('caracal kafka consumer-lag --consumer-group ledger-writer-group', 2));
    expect(run.exitCode).toBe(0);
    const request = onlyRequest();
    expect([request.method, request.url, request.body]).toEqual(['GET', '/v1/consumer-lag?consumerGroup=ledger-writer-group', undefined]);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^CONSUMER GROUP +EVENTS BEHIND +OLDEST UNPROCESSED +LAST CHECKPOINT +OWNER +LEASE ACTIVE$/);
    expect(lines[1]).toBe('ledger-writer-group v1           1250              13m 0s  2024-01-15T09:46:59.000Z  gateway-7f9c:4242  yes');
    expect(run.stdout.endsWith('\nbus: event-store\n')).toBe(true);
  });

  it('caracal db health-check: GET /v1/ops/health, the report, exit 0 when ok', async () => {
    answer = { status: 200, body: healthReport('ok') };
    const run = await runCliCommand(DbHealthCheck, runbookArgv('caracal db health-check', 2));
    expect(run.exitCode).toBe(0);
    const request = onlyRequest();
    expect([request.method, request.url, request.body]).toEqual(['GET', '/v1/ops/health', undefined]);
    expect(request.headers.authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Status:  ok');
    expect(lines).toContain('processor ledger-writer-group  degraded  eventsBehind=1250');
    expect(lines).toContain('migrations                     ok        applied=5');
    expect(run.stderr).toBe('');
  });

  it('caracal db reset --confirm: POST /v1/ops/reset {confirm: true}, then what was emptied', async () => {
    answer = { status: 200, body: { tables: ['ledger_entries', 'spending_buckets'], checkpoints: 2, leases: 1, dlqEntries: 3, kept: ['merkle-sealer-group'] } };
    const run = await runCliCommand(DbReset, runbookArgv('caracal db reset --confirm', 2));
    expect(run.exitCode).toBe(0);
    const request = onlyRequest();
    expect([request.method, request.url, request.body]).toEqual(['POST', '/v1/ops/reset', { confirm: true }]);
    expect(run.stdout).toBe(
      [
        'Database reset. Untouched: the event log, and the Merkle batches, signed tree heads and signing keys (the sealer goes on from where it was). The processors rebuild the read models from the log.',
        'Tables emptied:       ledger_entries, spending_buckets',
        'Checkpoints removed:  2',
        'Leases removed:       1',
        'DLQ entries removed:  3',
        'Processors kept:      merkle-sealer-group',
        '',
      ].join('\n'),
    );
  });
});

describe('ledger query', () => {
  it('passes --end-time now through unchanged, with the page flags', async () => {
    answer = { status: 200, body: { items: [], nextCursor: 'c2', totals: [{ currency: 'USD', amount: '3.00', entries: 120 }] } };
    const run = await runCliCommand(LedgerQuery, ['--agent-id', AGENT_ID, '--start-time', '2024-01-01T00:00:00+01:00', '--end-time', 'now', '--limit', '50', '--cursor', 'c1']);
    expect(run.exitCode).toBe(0);
    expect(onlyRequest().url).toBe(`/v1/ledger/entries?agentId=${AGENT_ID}&startTime=2024-01-01T00%3A00%3A00%2B01%3A00&endTime=now&limit=50&cursor=c1`);
    expect(run.stdout).toContain('No ledger entries found.');
    expect(run.stdout).toContain('CURRENCY  TOTAL  ENTRIES\nUSD        3.00      120\n');
    expect(run.stdout.endsWith('More ledger entries: rerun with --cursor c2\n')).toBe(true);
  });

  it.each([
    ['both forms', ['--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now', '--time-window', 'daily'], 'Error: --time-window cannot be combined with --start-time/--end-time.'],
    ['neither form', [], 'Error: nothing to query: pass --start-time and --end-time, or --time-window.'],
    ['a start without an end', ['--start-time', '2024-01-01T00:00:00Z'], 'Error: --start-time and --end-time go together'],
    ['an end without a start', ['--end-time', 'now'], 'Error: --start-time and --end-time go together'],
    ['a time that is not ISO 8601', ['--start-time', 'yesterday', '--end-time', 'now'], 'Error: --start-time expects an ISO 8601 date-time'],
    ['a date that does not exist', ['--start-time', '2024-02-30T00:00:00Z', '--end-time', 'now'], 'Error: --start-time expects'],
    ['a time without its offset', ['--start-time', '2024-01-01T00:00:00', '--end-time', 'now'], 'Error: --start-time expects'],
    ['now as the start', ['--start-time', 'now', '--end-time', 'now'], 'Error: --start-time expects'],
    ['garbage as the end', ['--start-time', '2024-01-01T00:00:00Z', '--end-time', '31/01/2024'], 'Error: --end-time expects an ISO 8601 date-time such as 2024-01-31T23:59:59Z, or now; got "31/01/2024".'],
    ['a start after the end', ['--start-time', '2024-02-01T00:00:00Z', '--end-time', '2024-01-01T00:00:00Z'], 'Error: --start-time 2024-02-01T00:00:00Z is after --end-time'],
    ['page flags with --time-window', ['--time-window', 'daily', '--limit', '10'], 'Error: --limit and --cursor page the entries'],
  ])('%s is a usage error (exit 2) and nothing is sent', async (_case, argv, message) => {
    const run = await runCliCommand(LedgerQuery, ['--agent-id', AGENT_ID, ...argv]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.startsWith(message)).toBe(true);
    expect(run.stdout).toBe('');
    expect(requests).toHaveLength(0);
  });

  it('shows the overage of an entry charged above its hold; "-" within the hold or from a gateway without the field', async () => {
    const entry = (amount: string, extra: Record<string, string>) => ({
      entryId: 'e', eventId: 'e', globalPosition: '1', agentId: AGENT_ID, agentPath: [AGENT_ID], reservationId: 'r', resource: 'https://api.openai.com/v1/chat/completions',
      model: 'gpt-4o-mini', usage: null, amount, currency: 'USD', pricebookVersion: 'v1', kind: 'settled', occurredAt: '2024-01-15T10:00:00.000Z', recordedAt: '2024-01-15T10:00:00.000Z', ...extra,
    });
    answer = { status: 200, body: { nextCursor: null, totals: [], items: [
      entry('1.20', { held: '0.90', overage: '0.30' }), entry('0.50', { held: '0.90', overage: '0.00' }), entry('0.70', {}),
    ] } };
    const run = await runCliCommand(LedgerQuery, ['--agent-id', AGENT_ID, '--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now']);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^TIME +AMOUNT +OVERAGE +CURRENCY/);
    expect(lines.slice(1, 4).map((line) => line.split(/ +/).slice(1, 3))).toEqual([['1.20', '0.30'], ['0.50', '-'], ['0.70', '-']]);
    expect(lines[4]).toBe('OVERAGE: charged above the hold, because the upstream reported more usage than the request allowed (max_tokens).');
  });

  it('says so when no policy of that window applies', async () => {
    answer = { status: 200, body: { agentId: AGENT_ID, at: '2024-01-15T10:00:00.000Z', items: [] } };
    const run = await runCliCommand(LedgerQuery, ['--agent-id', AGENT_ID, '--time-window', 'total']);
    expect(run.stdout).toContain('No active total policy applies to this agent or its ancestors.');
  });
});

describe('dlq', () => {
  it('list sends its filters; --all asks for every status', async () => {
    answer = { status: 200, body: { items: [], size: 0 } };
    const run = await runCliCommand(DlqList, ['--processor', 'ledger-writer-group', '--since', '2024-01-15T00:00:00Z', '--all', '--limit', '5']);
    expect(onlyRequest().url).toBe('/v1/dlq?processor=ledger-writer-group&since=2024-01-15T00%3A00%3A00Z&status=all&limit=5');
    expect(run.stdout).toBe('No DLQ entries found.\n\nDLQ size (parked entries): 0\n');
  });

  it('list refuses a --since that is not a time', async () => {
    const run = await runCliCommand(DlqList, ['--since', 'last week']);
    expect(run.exitCode).toBe(2);
    expect(requests).toHaveLength(0);
  });

  it('retry one event, every parked entry, or those of one processor', async () => {
    answer = { status: 200, body: { items: [{ processor: 'ledger-writer-group', version: 1, outcome: 'failed', error: 'unknown currency XYZ' }] } };
    const one = await runCliCommand(DlqRetry, ['--event-id', EVENT_ID]);
    await runCliCommand(DlqRetry, ['--all']);
    await runCliCommand(DlqRetry, ['--all', '--processor', 'ledger-writer-group']);
    expect(requests.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', `/v1/dlq/${EVENT_ID}/retry`, {}],
      ['POST', '/v1/dlq/retry', {}],
      ['POST', '/v1/dlq/retry', { processor: 'ledger-writer-group' }],
    ]);
    expect(one.exitCode).toBe(0);
    expect(one.stdout).toBe(
      'Retried 1 DLQ entry: 1 failed again and stays parked.\nPROCESSOR               OUTCOME  ERROR\nledger-writer-group v1  failed   unknown currency XYZ\n',
    );
  });

  it('retry needs exactly one of --event-id and --all; --processor goes with --all', async () => {
    const neither = await runCliCommand(DlqRetry, []);
    const both = await runCliCommand(DlqRetry, ['--event-id', EVENT_ID, '--all']);
    const processorAlone = await runCliCommand(DlqRetry, ['--event-id', EVENT_ID, '--processor', 'ledger-writer-group']);
    expect([neither.exitCode, both.exitCode, processorAlone.exitCode]).toEqual([2, 2, 2]);
    expect(neither.stderr).toBe('Error: say what to retry: --event-id <event-id>, or --all (optionally with --processor).\n');
    expect(requests).toHaveLength(0);
  });

  it('discard: POST /v1/dlq/{eventId}/discard', async () => {
    answer = { status: 200, body: { discarded: 2 } };
    const run = await runCliCommand(DlqDiscard, ['--event-id', EVENT_ID]);
    const request = onlyRequest();
    expect([request.method, request.url, request.body]).toEqual(['POST', `/v1/dlq/${EVENT_ID}/discard`, {}]);
    expect(run.stdout).toBe(`Discarded 2 DLQ entries of event ${EVENT_ID}; the event will not be projected.\n`);
  });
});

describe('kafka consumer-lag', () => {
  it('without --consumer-group lists every group', async () => {
    answer = { status: 200, body: { items: [ledgerWriterLag, { ...ledgerWriterLag, consumerGroup: 'metrics-aggregator-group', eventsBehind: 0, oldestUnprocessedAt: null, oldestUnprocessedAgeSeconds: null, owner: null, leaseActive: false }] } };
    const run = await runCliCommand(KafkaConsumerLag, []);
    expect(onlyRequest().url).toBe('/v1/consumer-lag');
    expect(run.stdout).toContain('metrics-aggregator-group v1              0                   -  2024-01-15T09:46:59.000Z  -                  no\n');
  });
});

describe('db health-check', () => {
  it('a 503 report is shown, not printed as an error, and exits 1', async () => {
    answer = { status: 503, body: healthReport('unavailable') };
    const run = await runCliCommand(DbHealthCheck, []);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')).toEqual([
      'Status:  unavailable',
      '',
      'CHECK                          STATUS       DETAILS',
      'database                       unavailable  error=connect ECONNREFUSED 10.0.0.5:5432',
      'migrations                     ok           applied=5',
      'processor ledger-writer-group  degraded     eventsBehind=1250',
      'dlq                            ok           size=0',
      '',
    ]);
  });

  it('--json prints the 503 report as sent and still exits 1', async () => {
    answer = { status: 503, body: healthReport('unavailable') };
    const run = await runCliCommand(DbHealthCheck, ['--json']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe(`${JSON.stringify(healthReport('unavailable'), null, 2)}\n`);
    expect(run.stderr).toBe('');
  });

  it('exits 0 for a 200 "ok" report and 1 for a 200 report that is not ok', async () => {
    answer = { status: 200, body: healthReport('ok') };
    const ok = await runCliCommand(DbHealthCheck, ['--json']);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toBe(`${JSON.stringify(healthReport('ok'), null, 2)}\n`);
    answer = { status: 200, body: { ...healthReport('ok'), status: 'unavailable' } };
    expect((await runCliCommand(DbHealthCheck, [])).exitCode).toBe(1);
  });

  it('a 503 that is an error body, not a report, is an error', async () => {
    answer = { status: 503, body: { error: 'store_unavailable', message: 'the event store is unreachable', request_id: 'req-9' } };
    const run = await runCliCommand(DbHealthCheck, []);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('Error: the event store is unreachable\n  request id: req-9\n');
  });

  it('an unreachable gateway is a clear error, exit 1', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const run = await runCliCommand(DbHealthCheck, ['--url', deadUrl]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.startsWith(`Error: cannot reach the Caracal gateway at ${deadUrl} (ECONNREFUSED).\n`)).toBe(true);
  });
});

describe('db reset', () => {
  it('without --confirm sends nothing, says what it would empty and exits 2', async () => {
    const run = await runCliCommand(DbReset, []);
    expect(run.exitCode).toBe(2);
    expect(requests).toHaveLength(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      "Error: db reset would empty every read model (ledger entries, spending totals and the other projections' tables), " +
        'their checkpoints, leases and dead-letter entries. Nothing was changed.\n' +
        '  Never touched: the event log, and the Merkle batches, signed tree heads and signing keys (the sealer goes on from where it was); ' +
        'the processors rebuild the read models from the log. Stop them first, then rerun with --confirm.\n',
    );
  });
});

describe('requests', () => {
  it('agent list sends its filters as query parameters', async () => {
    answer = { status: 200, body: { items: [agent], nextCursor: 'next-page' } };
    const run = await runCliCommand(AgentList, ['--owner', 'user@example.com', '--status', 'suspended', '--limit', '10']);
    const request = onlyRequest();
    expect(request.method).toBe('GET');
    expect(request.url).toBe('/v1/agents?owner=user%40example.com&status=suspended&limit=10');
    expect(request.body).toBeUndefined();
    expect(run.stdout).toContain('More agents: rerun with --cursor next-page');
  });

  it('policy list asks for active policies unless --all', async () => {
    answer = { status: 200, body: { items: [], nextCursor: null } };
    await runCliCommand(PolicyList, ['--agent-id', AGENT_ID]);
    await runCliCommand(PolicyList, ['--all']);
    expect(requests.map((request) => request.url)).toEqual([`/v1/policies?agentId=${AGENT_ID}&active=true`, '/v1/policies']);
  });

  it('policy update sends only the changed terms and the reason', async () => {
    answer = { status: 200, body: { ...policy, limit: '250.00', version: 2 } };
    await runCliCommand(PolicyUpdate, ['--policy-id', policy.policyId, '--limit', '250.00', '--change-reason', 'Launch week']);
    const request = onlyRequest();
    expect(request.method).toBe('PATCH');
    expect(request.url).toBe(`/v1/policies/${policy.policyId}`);
    expect(request.body).toStrictEqual({ limit: '250.00', changeReason: 'Launch week' });
  });

  it('agent update sends repeated --metadata as one map', async () => {
    answer = { status: 200, body: agent };
    await runCliCommand(AgentUpdate, ['--agent-id', AGENT_ID, '--metadata', 'team=ml', '--metadata', 'query=a=b']);
    expect(onlyRequest().body).toStrictEqual({ metadata: { team: 'ml', query: 'a=b' } });
  });

  it('agent keys rotate and revoke call the key routes', async () => {
    answer = { status: 201, body: { keyId: 'k-2', key: 'ck_new', revokedKeyId: 'k-1' } };
    const rotated = await runCliCommand(AgentKeysRotate, ['--agent-id', AGENT_ID, '--key-id', 'k-1']);
    answer = { status: 200, body: { keyId: 'k-2', agentId: AGENT_ID, status: 'revoked', createdAt: 't', revokedAt: 't' } };
    await runCliCommand(AgentKeysRevoke, ['--agent-id', AGENT_ID, '--key-id', 'k-2']);
    expect(requests.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', `/v1/agents/${AGENT_ID}/keys/k-1/rotate`, {}],
      ['DELETE', `/v1/agents/${AGENT_ID}/keys/k-2`, undefined],
    ]);
    expect(rotated.stdout).toContain('API key:         ck_new');
    expect(rotated.stdout).toContain('shown only this once');
  });

  it('encodes ids, so an id cannot reach another route', async () => {
    answer = { status: 200, body: agent };
    await runCliCommand(AgentGet, ['--agent-id', '../policies?x=1']);
    expect(onlyRequest().url).toBe('/v1/agents/..%2Fpolicies%3Fx%3D1');
  });

  it('allowlist test: --url is the URL to check, the gateway comes from --gateway-url', async () => {
    answer = { status: 200, body: { allowed: false, normalizedUrl: 'https://example.com/', matchedEntry: null, message: 'no entry matches' } };
    process.env.CARACAL_URL = 'http://127.0.0.1:1';
    const run = await runCliCommand(AllowlistTest, ['--agent-id', AGENT_ID, '--url', 'https://EXAMPLE.com:443', '--gateway-url', gatewayUrl]);
    expect(run.exitCode).toBe(0);
    expect(onlyRequest().body).toStrictEqual({ agentId: AGENT_ID, url: 'https://EXAMPLE.com:443' });
    expect(run.stdout).toContain('Allowed:         no');
  });
});

describe('--json', () => {
  it("prints the gateway's answer exactly, pretty-printed", async () => {
    const body = { items: [policy], nextCursor: null };
    answer = { status: 200, body };
    const run = await runCliCommand(PolicyList, ['--json']);
    expect(run.stdout).toBe(`${JSON.stringify(body, null, 2)}\n`);
  });
});

describe('errors', () => {
  it("prints a gateway message that already lists the fields once, not again as details", async () => {
    answer = {
      status: 400,
      body: {
        error: 'validation_failed',
        message: 'Validation failed: agentId: agentId must be a UUID; limit: must be 1 to 500',
        request_id: 'req-1',
        details: [{ field: 'agentId', message: 'agentId must be a UUID' }, { field: 'limit', message: 'must be 1 to 500' }],
      },
    };
    const run = await runCliCommand(AgentGet, ['--agent-id', 'nope']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe('Error: Validation failed: agentId: agentId must be a UUID; limit: must be 1 to 500\n');
  });

  it('pricebook set: a version published with other contents is a 409 that says nothing was published and what to do', async () => {
    const file = join(dataDir, 'pricebook.json');
    writeFileSync(file, JSON.stringify({ version: 'v1' }));
    answer = { status: 409, body: { error: 'conflict', message: 'pricebook version v1 was already published with a different document; publish prices under a new version', request_id: 'r' } };
    const run = await runCliCommand(PricebookSet, ['--file', file]);
    expect(run.exitCode).toBe(1);
    expect(onlyRequest()).toMatchObject({ method: 'PUT', url: '/v1/pricebook', body: { version: 'v1' } });
    expect(run.stderr).toBe(
      'Error: pricebook version v1 was already published with a different document; publish prices under a new version\n' +
        `  Nothing was published. Put the new prices under a new "version" in ${file}.\n` +
        '  See the version in force with `caracal pricebook list`.\n',
    );
  });

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
    const run = await runCliCommand(PolicyCreate, [
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
    const run = await runCliCommand(AgentGet, ['--agent-id', AGENT_ID]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      "Error: missing or wrong admin token\n  The admin token came from CARACAL_TOKEN; check that it is the gateway's.\n",
    );
    expect(run.stdout + run.stderr).not.toContain(ADMIN_TOKEN);
  });

  it('a 5xx gives the request id to look for in the gateway logs', async () => {
    answer = { status: 503, body: { error: 'store_unavailable', message: 'the event store is unreachable', request_id: 'req-42' } };
    const run = await runCliCommand(AgentGet, ['--agent-id', AGENT_ID]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe('Error: the event store is unreachable\n  request id: req-42\n');
  });

  it('connection refused names the URL and how to start or point at a gateway', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const run = await runCliCommand(AgentGet, ['--agent-id', AGENT_ID, '--url', deadUrl]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      `Error: cannot reach the Caracal gateway at ${deadUrl} (ECONNREFUSED).\n` +
        '  Start the embedded gateway with `npm start`, or point the CLI at a running one with --url or CARACAL_URL.\n',
    );
  });

  it('a missing token is a usage error (exit 2) and nothing is sent', async () => {
    delete process.env.CARACAL_TOKEN;
    const run = await runCliCommand(AgentGet, ['--agent-id', AGENT_ID]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^Error: no admin token found\.\n {2}Looked in: --token, CARACAL_TOKEN, /);
    expect(requests).toHaveLength(0);
  });

  it('oclif usage errors exit 2 before any request', async () => {
    const badWindow = await runCliCommand(PolicyCreate, [
      '--agent-id', AGENT_ID, '--limit', '1', '--currency', 'USD', '--time-window', 'yearly', '--window-type', 'calendar', '--change-reason', 'r',
    ]);
    const nothingToUpdate = await runCliCommand(AgentUpdate, ['--agent-id', AGENT_ID]);
    const badMetadata = await runCliCommand(AgentUpdate, ['--agent-id', AGENT_ID, '--metadata', 'no-equals-sign']);
    expect([badWindow.exitCode, nothingToUpdate.exitCode, badMetadata.exitCode]).toEqual([2, 2, 2]);
    expect(nothingToUpdate.stderr).toBe('Error: nothing to update: pass --name, --description or --metadata.\n');
    expect(badMetadata.stderr).toBe('Error: --metadata expects key=value, got "no-equals-sign".\n');
    expect(requests).toHaveLength(0);
  });
});
