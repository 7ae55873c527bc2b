import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';

const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

describe.each(backends)('admin API on %s', (backend) => {
  let api: AdminApiHarness;
  beforeAll(async () => {
    api = await startAdminApi(backend);
  });
  afterAll(async () => {
    await api?.close();
  });

  async function eventCount(): Promise<number> {
    const { rows } = await api.client.query<{ n: string }>('SELECT count(*)::text AS n FROM events');
    return Number(rows[0].n);
  }

  async function createAgent(name: string, owner = 'user@example.com', extra: object = {}) {
    const res = await api.call('POST', '/v1/agents', { name, description: 'test agent', owner, ...extra });
    expect(res.status).toBe(201);
    return res.body as { agent: { agentId: string; rootAgentId: string }; apiKey: { keyId: string; key: string } };
  }

  it('refuses admin routes without a valid token, serves health and OpenAPI without one', async () => {
    expect((await api.call('GET', '/v1/agents', undefined, { authorization: '' })).status).toBe(401);
    const wrong = await api.call('GET', '/v1/agents', undefined, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('unauthorized');
    expect(wrong.headers['x-caracal-request-id']).toEqual(wrong.body.request_id);
    const health = await api.call('GET', '/health', undefined, { authorization: '' });
    expect(health.status).toBe(200);
    expect(health.body.checks.database.status).toBe('ok');
    expect(health.body.checks.migrations.status).toBe('ok');
    const openapi = await api.call('GET', '/v1/openapi.json', undefined, { authorization: '' });
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/v1/agents', '/v1/policies', '/v1/allowlists']));
  });

  it('registers an agent, shows its key once and stores only the hash', async () => {
    const created = await createAgent('key-holder');
    expect(created.apiKey.key).toMatch(/^ck_[0-9a-f]{16}_/);
    const got = await api.call('GET', `/v1/agents/${created.agent.agentId}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ name: 'key-holder', owner: 'user@example.com', status: 'active', parentAgentId: null });
    expect(JSON.stringify(got.body)).not.toContain(created.apiKey.key);
    const { rows } = await api.client.query<{ hits: string }>(
      `SELECT (SELECT count(*) FROM events WHERE data_text LIKE $1) + (SELECT count(*) FROM agent_keys WHERE key_hash LIKE $1) AS hits`,
      [`%${created.apiKey.key.slice(20)}%`],
    );
    expect(Number(rows[0].hits)).toBe(0);
    const keys = await api.call('GET', `/v1/agents/${created.agent.agentId}/keys`);
    expect(keys.body.items).toEqual([expect.objectContaining({ keyId: created.apiKey.keyId, status: 'active' })]);
  });

  it('keeps names unique per owner, atomically', async () => {
    await createAgent('same-name', 'alice@example.com');
    const before = await eventCount();
    const dup = await api.call('POST', '/v1/agents', { name: 'same-name', owner: 'alice@example.com' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe('conflict');
    expect(await eventCount()).toBe(before);
    await createAgent('same-name', 'bob@example.com');
  });

  it('answers bad input with 400 naming every bad field and writes nothing', async () => {
    const before = await eventCount();
    const missing = await api.call('POST', '/v1/agents', { description: 5, colour: 'red' });
    expect(missing.status).toBe(400);
    const fields = missing.body.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'owner', 'description', 'colour']));
    const badId = await api.call('GET', '/v1/agents/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(badId.body.details).toEqual([{ field: 'agentId', message: 'agentId must be a UUID' }]);
    const malformed = await api.call('POST', '/v1/agents', '{"name": ');
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).not.toMatch(/at .*\.js/);
    const badCursor = await api.call('GET', '/v1/agents?cursor=garbage');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.details[0].field).toBe('cursor');
    expect(await eventCount()).toBe(before);
  });

  it('answers 404 for unknown ids', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect((await api.call('GET', `/v1/agents/${id}`)).status).toBe(404);
    expect((await api.call('GET', `/v1/policies/${id}`)).status).toBe(404);
    expect((await api.call('POST', `/v1/agents/${id}/suspend`, { reason: 'x' })).status).toBe(404);
    const policy = await api.call('POST', '/v1/policies', {
      agentId: id, limit: '1.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'x',
    });
    expect(policy.status).toBe(404);
  });

  it('updates, suspends and reactivates an agent, with history', async () => {
    const { agent } = await createAgent('lifecycle');
    const updated = await api.call('PATCH', `/v1/agents/${agent.agentId}`, { description: 'new words' });
    expect(updated.status).toBe(200);
    expect(updated.body.description).toBe('new words');
    const suspended = await api.call('POST', `/v1/agents/${agent.agentId}/suspend`, { reason: 'runaway loop' });
    expect(suspended.body).toMatchObject({ status: 'suspended', suspendedReason: 'runaway loop' });
    expect((await api.call('POST', `/v1/agents/${agent.agentId}/suspend`, { reason: 'again' })).status).toBe(409);
    const reactivated = await api.call('POST', `/v1/agents/${agent.agentId}/reactivate`, {});
    expect(reactivated.body.status).toBe('active');
    const history = await api.call('GET', `/v1/agents/${agent.agentId}/history`, undefined, {
      authorization: 'Bearer test-admin-token', 'x-caracal-actor': 'ops.jane',
    });
    expect(history.body.items.map((e: { type: string }) => e.type)).toEqual([
      'AgentRegistered', 'AgentKeyIssued', 'AgentUpdated', 'AgentSuspended', 'AgentReactivated',
    ]);
  });

  it('rotates and revokes keys', async () => {
    const { agent, apiKey } = await createAgent('rotator');
    const rotated = await api.call('POST', `/v1/agents/${agent.agentId}/keys/${apiKey.keyId}/rotate`, {});
    expect(rotated.status).toBe(201);
    expect(rotated.body.revokedKeyId).toBe(apiKey.keyId);
    expect(rotated.body.key).not.toBe(apiKey.key);
    const revoked = await api.call('DELETE', `/v1/agents/${agent.agentId}/keys/${rotated.body.keyId}`);
    expect(revoked.body.status).toBe('revoked');
    const keys = await api.call('GET', `/v1/agents/${agent.agentId}/keys`);
    expect(keys.body.items.map((k: { status: string }) => k.status)).toEqual(['revoked', 'revoked']);
    expect((await api.call('DELETE', `/v1/agents/${agent.agentId}/keys/${apiKey.keyId}`)).status).toBe(409);
  });

  it('versions budget policies with reasons and keeps their history', async () => {
    const { agent } = await createAgent('budgeted');
    const created = await api.call('POST', '/v1/policies', {
      agentId: agent.agentId, limit: '100.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar',
      changeReason: 'Initial budget allocation',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ limit: '100.00', currency: 'USD', timezone: 'UTC', active: true, version: 1 });
    const policyId = created.body.policyId as string;
    const dup = await api.call('POST', '/v1/policies', {
      agentId: agent.agentId, limit: '5.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'again',
    });
    expect(dup.status).toBe(409);
    const changed = await api.call('PATCH', `/v1/policies/${policyId}`, { limit: '250.5', changeReason: 'Q3 increase' });
    expect(changed.body).toMatchObject({ limit: '250.50', version: 2, changeReason: 'Q3 increase' });
    const off = await api.call('POST', `/v1/policies/${policyId}/deactivate`, { changeReason: 'agent retired' });
    expect(off.body).toMatchObject({ active: false, version: 3 });
    const history = await api.call('GET', `/v1/policies/${policyId}/history`);
    expect(history.body.items.map((v: { version: number; limit: string; active: boolean }) => [v.version, v.limit, v.active])).toEqual([
      [1, '100.00', true], [2, '250.50', true], [3, '250.50', false],
    ]);
    const listed = await api.call('GET', `/v1/policies?agentId=${agent.agentId}&active=false`);
    expect(listed.body.items.map((p: { policyId: string }) => p.policyId)).toEqual([policyId]);
  });

  it('rejects bad policy terms field by field, money never as a number', async () => {
    const { agent } = await createAgent('bad-terms');
    const before = await eventCount();
    const res = await api.call('POST', '/v1/policies', {
      agentId: agent.agentId, limit: 100, currency: 'USD', timeWindow: 'fortnightly', windowType: 'calendar', changeReason: 'x',
    });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['limit', 'timeWindow']));
    const domain = await api.call('POST', '/v1/policies', {
      agentId: agent.agentId, limit: '-1', currency: 'XXQ', timeWindow: 'daily', windowType: 'calendar', timezone: 'Mars/Olympus', changeReason: 'x',
    });
    expect(domain.status).toBe(400);
    expect(domain.body.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['limit', 'currency', 'timezone']));
    expect(await eventCount()).toBe(before);
  });

  it('manages allowlist entries and tests URLs against them', async () => {
    const { agent } = await createAgent('allowlisted');
    const regex = await api.call('POST', '/v1/allowlists', { agentId: agent.agentId, pattern: '^https://api\\.openai\\.com/.*$', patternType: 'regex' });
    expect(regex.status).toBe(201);
    const glob = await api.call('POST', '/v1/allowlists', { agentId: agent.agentId, pattern: 'https://api.anthropic.com/*', patternType: 'glob' });
    expect(glob.status).toBe(201);
    const bad = await api.call('POST', '/v1/allowlists', { agentId: agent.agentId, pattern: '^(unclosed', patternType: 'regex' });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('pattern');

    const allowed = await api.call('POST', '/v1/allowlists/test', { agentId: agent.agentId, url: 'https://API.anthropic.com/v1/messages' });
    expect(allowed.body).toMatchObject({ allowed: true, normalizedUrl: 'https://api.anthropic.com/v1/messages' });
    expect(allowed.body.matchedEntry.entryId).toBe(glob.body.entryId);
    const denied = await api.call('POST', '/v1/allowlists/test', { agentId: agent.agentId, url: 'https://api.openai.com.evil.com/v1' });
    expect(denied.body.allowed).toBe(false);

    const removed = await api.call('DELETE', `/v1/allowlists/${glob.body.entryId}`);
    expect(removed.status).toBe(200);
    expect(removed.body.removedAt).not.toBeNull();
    const listed = await api.call('GET', `/v1/allowlists?agentId=${agent.agentId}`);
    expect(listed.body.items.map((e: { entryId: string }) => e.entryId)).toEqual([regex.body.entryId]);
    const after = await api.call('POST', '/v1/allowlists/test', { agentId: agent.agentId, url: 'https://api.anthropic.com/v1/messages' });
    expect(after.body.allowed).toBe(false);
  });

  it('delegates: a child records its parent and root', async () => {
    const parent = await createAgent('parent');
    const child = await createAgent('child', 'user@example.com', { parentAgentId: parent.agent.agentId });
    expect(child.agent).toMatchObject({ parentAgentId: parent.agent.agentId, rootAgentId: parent.agent.agentId });
    const listed = await api.call('GET', `/v1/agents?parentAgentId=${parent.agent.agentId}`);
    expect(listed.body.items.map((a: { agentId: string }) => a.agentId)).toEqual([child.agent.agentId]);
  });

  it('pages through lists with a cursor, every item once', async () => {
    const owner = 'pager@example.com';
    for (let i = 0; i < 5; i++) await createAgent(`paged-${i}`, owner);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: { name: string }[]; nextCursor: string | null } } = await api.call(
        'GET', `/v1/agents?owner=${encodeURIComponent(owner)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...res.body.items.map((a) => a.name));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4']);
  });

  it('serves the pricebook and publishes new versions, each version once', async () => {
    const current = await api.call('GET', '/v1/pricebook');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ currency: 'USD', publishedAt: null });
    const model = await api.call('GET', '/v1/pricebook/models/gpt-4o-mini-2024-07-18?provider=openai');
    expect(model.body).toMatchObject({ model: 'gpt-4o-mini', inputPerMillion: '0.15', outputPerMillion: '0.60' });
    expect((await api.call('GET', '/v1/pricebook/models/no-such-model')).status).toBe(404);

    const { publishedAt: _publishedAt, ...document } = current.body;
    const next = { ...document, version: 'test-2', models: document.models.map((m: any) => (m.model === 'gpt-4o-mini' ? { ...m, outputPerMillion: '0.70' } : m)) };
    const published = await api.call('PUT', '/v1/pricebook', next);
    expect(published.status).toBe(200);
    expect(published.body.version).toBe('test-2');
    expect(published.body.publishedAt).toEqual(expect.any(String));
    expect((await api.call('GET', '/v1/pricebook/models/gpt-4o-mini')).body).toMatchObject({ outputPerMillion: '0.70', pricebookVersion: 'test-2' });
    // A retry of the same publish (its answer lost) succeeds and records nothing; other prices under that version are refused.
    const eventsBefore = await eventCount();
    const retried = await api.call('PUT', '/v1/pricebook', next);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(published.body);
    expect(await eventCount()).toBe(eventsBefore);
    const changed = { ...next, currency: 'EUR' };
    const conflict = await api.call('PUT', '/v1/pricebook', changed);
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toBe('pricebook version test-2 was already published with a different document; publish prices under a new version');
    const bad = await api.call('PUT', '/v1/pricebook', { ...next, version: 'test-3', models: [{ ...next.models[0], inputPerMillion: 2.5 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toMatch(/models\[0\]\.inputPerMillion/);
  });
});
