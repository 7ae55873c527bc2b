import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { probeSqlClient, type SqlProbe } from '@caracal/test-support/sql-probe.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { AgentAccessReader } from '../agents/agent-access.reader.js';

const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

describe.each(backends)('proxy access checks on %s', (backend) => {
  let api: AdminApiHarness;
  let mock: MockUpstream;
  let probe: SqlProbe;

  beforeAll(async () => {
    mock = await startMockUpstream();
    api = await startAdminApi(backend, { CARACAL_PRICEBOOK: pricebookWithResource(`${mock.url}/*`, '0.01') }, {
      wrapClient: (client) => {
        probe = probeSqlClient(client);
        return probe.client;
      },
    });
  });
  afterAll(async () => {
    await api?.close();
    await mock?.close();
  });

  async function agent(parentAgentId?: string) {
    const created = await api.call('POST', '/v1/agents', { name: `agent-${Math.random().toString(36).slice(2, 10)}`, owner: 'access@example.com', ...(parentAgentId ? { parentAgentId } : {}) });
    expect(created.status).toBe(201);
    const agentId = created.body.agent.agentId as string;
    if (!parentAgentId) {
      expect((await api.call('POST', '/v1/policies', { agentId, limit: '10.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'test' })).status).toBe(201);
    }
    const entry = await api.call('POST', '/v1/allowlists', { agentId, pattern: `${mock.url}/*`, patternType: 'glob' });
    expect(entry.status).toBe(201);
    return { agentId, key: created.body.apiKey.key as string, keyId: created.body.apiKey.keyId as string, entryId: entry.body.entryId as string };
  }

  async function call(key: string): Promise<{ status: number; error?: string }> {
    const response = await fetch(`${api.baseUrl}/proxy`, { headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${mock.url}/work` } });
    const body = (await response.json()) as { error?: string };
    return { status: response.status, error: body.error };
  }

  it('reads the key, the agent path and the allowlist in one statement before deciding', async () => {
    const { agentId, key } = await agent();
    await api.call('POST', `/v1/agents/${agentId}/suspend`, { reason: 'test' });
    const reads = /agent_keys|\bagents\b|allowlist_entries/;
    const before = probe.finished(reads);
    expect(await call(key)).toEqual({ status: 403, error: 'agent_suspended' });
    expect(probe.finished(reads) - before).toBe(1);
  });

  it('reads the access of requests that come while a read is in flight together, each answered for its own key', async () => {
    const agents = await Promise.all([agent(), agent(), agent()]);
    await api.call('POST', `/v1/agents/${agents[2].agentId}/suspend`, { reason: 'test' });
    const reader = api.app.get(AgentAccessReader);
    const reads = /agent_keys/;
    const before = probe.finished(reads);
    // The first read goes at once; the other 59 queue behind it and go as one statement.
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => reader.read(agents[i % 3].keyId)));
    expect(probe.finished(reads) - before).toBe(2);
    expect(answers.map((access) => access?.agentId)).toEqual(Array.from({ length: 60 }, (_, i) => agents[i % 3].agentId));
    expect(answers[2]?.statuses.get(agents[2].agentId)).toBe('suspended');
    expect(await reader.read('no-such-key')).toBeNull();
  });

  it('a revoked key, a suspended ancestor and a removed entry apply to the very next request', async () => {
    const parent = await agent();
    const child = await agent(parent.agentId);
    expect((await call(child.key)).status).toBe(200);

    expect((await api.call('DELETE', `/v1/allowlists/${child.entryId}`)).status).toBe(200);
    expect(await call(child.key)).toEqual({ status: 403, error: 'resource_not_allowed' });
    expect((await api.call('POST', '/v1/allowlists', { agentId: child.agentId, pattern: `${mock.url}/*`, patternType: 'glob' })).status).toBe(201);
    expect((await call(child.key)).status).toBe(200);

    expect((await api.call('POST', `/v1/agents/${parent.agentId}/suspend`, { reason: 'test' })).status).toBe(200);
    expect(await call(child.key)).toEqual({ status: 403, error: 'agent_suspended' });
    expect((await api.call('POST', `/v1/agents/${parent.agentId}/reactivate`, {})).status).toBe(200);
    expect((await call(child.key)).status).toBe(200);

    expect((await api.call('DELETE', `/v1/agents/${child.agentId}/keys/${child.keyId}`)).status).toBe(200);
    expect(await call(child.key)).toEqual({ status: 401, error: 'unauthorized' });
  });

  it('remembers the access of a key whose hold committed: its next requests read none, and their holds confirm it', async () => {
    const { agentId, key, keyId } = await agent();
    const accessReads = /key_hash/;
    const holds = async (): Promise<number> => (await probe.client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events e WHERE e.event_type = 'SpendReserved' AND e.data->>'agentId' = $1`, [agentId],
    )).rows[0].n;
    expect((await call(key)).status).toBe(200);
    const before = probe.finished(accessReads);
    for (let i = 0; i < 3; i++) expect((await call(key)).status).toBe(200);
    expect(probe.finished(accessReads) - before).toBe(0);
    expect(await holds()).toBe(4);

    // Revoked after it was remembered: the hold's commit refuses the remembered access, nothing
    // is held, and the answer comes from the access read again.
    expect((await api.call('DELETE', `/v1/agents/${agentId}/keys/${keyId}`)).status).toBe(200);
    const beforeRevoked = probe.finished(accessReads);
    expect(await call(key)).toEqual({ status: 401, error: 'unauthorized' });
    expect(probe.finished(accessReads) - beforeRevoked).toBe(1);
    expect(await holds()).toBe(4);
    expect(await call(key)).toEqual({ status: 401, error: 'unauthorized' });
  });

  it('a removed entry refuses a request on remembered access through the hold\'s commit; another entry that allows it is read and used', async () => {
    const { agentId, key, entryId } = await agent();
    expect((await call(key)).status).toBe(200);
    const second = await api.call('POST', '/v1/allowlists', { agentId, pattern: `${mock.url}/w*`, patternType: 'glob' });
    expect(second.status).toBe(201);
    expect((await api.call('DELETE', `/v1/allowlists/${entryId}`)).status).toBe(200);
    expect((await call(key)).status).toBe(200);
    expect((await api.call('DELETE', `/v1/allowlists/${second.body.entryId as string}`)).status).toBe(200);
    expect(await call(key)).toEqual({ status: 403, error: 'resource_not_allowed' });
  });

  it('a refusal is not decided on remembered access: a revoked key over its budget is answered 401, not budget_exceeded', async () => {
    const { agentId, key, keyId } = await agent();
    expect((await api.call('POST', '/v1/policies', { agentId, limit: '0.01', currency: 'USD', timeWindow: 'monthly', windowType: 'calendar', changeReason: 'test' })).status).toBe(201);
    expect((await call(key)).status).toBe(200);
    // Remembered now; a refused hold commits nothing, so no commit would confirm the access.
    expect((await api.call('DELETE', `/v1/agents/${agentId}/keys/${keyId}`)).status).toBe(200);
    expect(await call(key)).toEqual({ status: 401, error: 'unauthorized' });
  });

  it('answers an unknown key id like a wrong secret', async () => {
    const { key } = await agent();
    const wrongSecret = `${key.slice(0, key.lastIndexOf('_') + 1)}${'x'.repeat(43)}`;
    expect(await call(wrongSecret)).toEqual({ status: 401, error: 'unauthorized' });
    expect(await call(`ck_0123456789abcdef_${'x'.repeat(43)}`)).toEqual({ status: 401, error: 'unauthorized' });
  });
});
