// Agent commands (agent create|list|update|keys). The stand-in gateway (test/support/cli-command-
// gateway.ts) records each request and answers canned JSON shaped as docs/api.md says. The runbook
// forms are split into argv by bash itself, exactly as an operator's shell would.
import { describe, expect, it } from '@jest/globals';
import AgentCreate from './commands/agent/create.js';
import AgentGet from './commands/agent/get.js';
import AgentKeysRevoke from './commands/agent/keys/revoke.js';
import AgentKeysRotate from './commands/agent/keys/rotate.js';
import AgentList from './commands/agent/list.js';
import AgentUpdate from './commands/agent/update.js';
import type { Agent } from '@caracal/api-contract';
import { ADMIN_TOKEN, AGENT_ID, commandGateway, runbookArgv } from '@caracal/test-support/cli-command-gateway.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

const gateway = commandGateway();

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

describe('runbook commands, as written in operational-runbook.txt', () => {
  it('caracal agent create: POST /v1/agents with the admin token, then the agent id and the one-time key', async () => {
    gateway.answer = { status: 201, body: { agent, apiKey: { keyId: 'k-1', key: 'ck_one_time_secret' } } };
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
    const request = gateway.onlyRequest();
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
});

describe('requests', () => {
  it('agent list sends its filters as query parameters', async () => {
    gateway.answer = { status: 200, body: { items: [agent], nextCursor: 'next-page' } };
    const run = await runCliCommand(AgentList, ['--owner', 'user@example.com', '--status', 'suspended', '--limit', '10']);
    const request = gateway.onlyRequest();
    expect(request.method).toBe('GET');
    expect(request.url).toBe('/v1/agents?owner=user%40example.com&status=suspended&limit=10');
    expect(request.body).toBeUndefined();
    expect(run.stdout).toContain('More agents: rerun with --cursor next-page');
  });

  it('agent update sends repeated --metadata as one map', async () => {
    gateway.answer = { status: 200, body: agent };
    await runCliCommand(AgentUpdate, ['--agent-id', AGENT_ID, '--metadata', 'team=ml', '--metadata', 'query=a=b']);
    expect(gateway.onlyRequest().body).toStrictEqual({ metadata: { team: 'ml', query: 'a=b' } });
  });

  it('agent keys rotate and revoke call the key routes', async () => {
    gateway.answer = { status: 201, body: { keyId: 'k-2', key: 'ck_new', revokedKeyId: 'k-1' } };
    const rotated = await runCliCommand(AgentKeysRotate, ['--agent-id', AGENT_ID, '--key-id', 'k-1']);
    gateway.answer = { status: 200, body: { keyId: 'k-2', agentId: AGENT_ID, status: 'revoked', createdAt: 't', revokedAt: 't' } };
    await runCliCommand(AgentKeysRevoke, ['--agent-id', AGENT_ID, '--key-id', 'k-2']);
    expect(gateway.requests.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', `/v1/agents/${AGENT_ID}/keys/k-1/rotate`, {}],
      ['DELETE', `/v1/agents/${AGENT_ID}/keys/k-2`, undefined],
    ]);
    expect(rotated.stdout).toContain('API key:         ck_new');
    expect(rotated.stdout).toContain('shown only this once');
  });

  it('encodes ids, so an id cannot reach another route', async () => {
    gateway.answer = { status: 200, body: agent };
    await runCliCommand(AgentGet, ['--agent-id', '../policies?x=1']);
    expect(gateway.onlyRequest().url).toBe('/v1/agents/..%2Fpolicies%3Fx%3D1');
  });
});
