import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';
import { openHoldsOfAgent } from '@caracal/test-support/open-holds.js';

const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

const PROVIDER_KEY = 'sk-provider-secret';

describe.each(backends)('proxy on %s', (backend) => {
  let api: AdminApiHarness;
  let mock: MockUpstream;

  beforeAll(async () => {
    mock = await startMockUpstream();
    api = await startAdminApi(backend, {
      CARACAL_UPSTREAM_OPENAI_URL: mock.url,
      CARACAL_UPSTREAM_ANTHROPIC_URL: mock.url,
      OPENAI_API_KEY: PROVIDER_KEY,
      ANTHROPIC_API_KEY: PROVIDER_KEY,
      CARACAL_PRICEBOOK: pricebookWithResource(`${mock.url}/*`, '0.01'),
    });
  });
  afterAll(async () => {
    await api?.close();
    await mock?.close();
  });

  async function agentWith(options: { limit?: string; allow?: string[]; parentAgentId?: string } = {}) {
    const created = await api.call('POST', '/v1/agents', { name: `agent-${Math.random().toString(36).slice(2, 10)}`, owner: 'proxy@example.com', ...(options.parentAgentId ? { parentAgentId: options.parentAgentId } : {}) });
    expect(created.status).toBe(201);
    const agentId = created.body.agent.agentId as string;
    if (options.limit) {
      const policy = await api.call('POST', '/v1/policies', { agentId, limit: options.limit, currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'test' });
      expect(policy.status).toBe(201);
    }
    for (const pattern of options.allow ?? []) {
      expect((await api.call('POST', '/v1/allowlists', { agentId, pattern, patternType: 'glob' })).status).toBe(201);
    }
    return { agentId, key: created.body.apiKey.key as string };
  }

  function resourceCall(key: string, path = '/work') {
    return fetch(`${api.baseUrl}/proxy`, { method: 'POST', headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${mock.url}${path}`, 'content-type': 'application/json' }, body: '{"q":1}' });
  }

  async function settledTotalNanos(agentId: string): Promise<bigint> {
    const { rows } = await api.client.query<{ total: string | null }>(
      `SELECT (COALESCE(sum((e.data->>'amountNanos')::bigint), 0))::text AS total FROM events e
       WHERE e.event_type IN ('SpendSettled', 'ReservationExpired') AND e.data->>'agentId' = $1`,
      [agentId],
    );
    return BigInt(rows[0].total ?? '0');
  }

  async function openHolds(agentId: string): Promise<number> {
    return openHoldsOfAgent(api.client, agentId);
  }

  it('admits exactly what the budget allows in a burst, and settles it exactly', async () => {
    const { agentId, key } = await agentWith({ limit: '1.00', allow: [`${mock.url}/*`] });
    const before = mock.received.length;
    const responses = await Promise.all(Array.from({ length: 500 }, () => resourceCall(key)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 403)).toHaveLength(400);
    const denial: any = await responses.find((r) => r.status === 403)!.json();
    expect(denial).toMatchObject({ error: 'budget_exceeded', limit: '1.00' });
    expect(denial.policy).toEqual(expect.any(String));
    expect(mock.received.length - before).toBe(100);
    await waitFor(async () => (await openHolds(agentId)) === 0, 'all holds resolved');
    expect(await settledTotalNanos(agentId)).toBe(1_000_000_000n);
  });

  it('works with the official OpenAI client, injecting the provider key and settling from usage', async () => {
    const { agentId, key } = await agentWith({ limit: '10.00', allow: ['https://api.openai.com/*'] });
    const client = new OpenAI({ baseURL: `${api.baseUrl}/proxy/openai/v1`, apiKey: key, maxRetries: 0 });
    mock.usage = { inputTokens: 1000, outputTokens: 500 };
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 600 });
    expect(completion.choices[0].message.content).toBe('Hello');
    const forwarded = mock.received[mock.received.length - 1];
    expect(forwarded.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(JSON.stringify(forwarded.headers)).not.toContain(key);
    await waitFor(async () => (await openHolds(agentId)) === 0, 'hold settled');
    // gpt-4o-mini: 0.15 / 0.60 USD per million input / output tokens (pricebook/pricebook.json).
    expect(await settledTotalNanos(agentId)).toBe(1000n * 150n + 500n * 600n);
  });

  it('streams OpenAI chunks through, injecting include_usage, and settles from the final chunk', async () => {
    const { agentId, key } = await agentWith({ limit: '10.00', allow: ['https://api.openai.com/*'] });
    const client = new OpenAI({ baseURL: `${api.baseUrl}/proxy/openai/v1`, apiKey: key, maxRetries: 0 });
    mock.usage = { inputTokens: 200, outputTokens: 100 };
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello');
    const forwarded = JSON.parse(mock.received[mock.received.length - 1].body);
    expect(forwarded.stream_options).toEqual({ include_usage: true });
    expect(forwarded.max_completion_tokens).toEqual(expect.any(Number)); // injected to fit the budget
    await waitFor(async () => (await openHolds(agentId)) === 0, 'hold settled');
    expect(await settledTotalNanos(agentId)).toBe(200n * 150n + 100n * 600n);
  });

  it('charges the hold when the agent goes away mid-stream, and closes the upstream call', async () => {
    const { agentId, key } = await agentWith({ limit: '10.00', allow: ['https://api.openai.com/*'] });
    const abandonedBefore = mock.abandonedStreams;
    mock.stallStreams = true;
    try {
      const agent = new AbortController();
      const response = await fetch(`${api.baseUrl}/proxy/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_completion_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        signal: agent.signal,
      });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('Hel');
      agent.abort();
      await waitFor(() => mock.abandonedStreams === abandonedBefore + 1, 'the gateway to close the upstream stream');
    } finally {
      mock.stallStreams = false;
    }
    await waitFor(async () => (await openHolds(agentId)) === 0, 'hold resolved');
    const { rows } = await api.client.query<{ event_type: string; amount: string; usage: unknown }>(
      `SELECT e.event_type, e.data->>'amountNanos' AS amount, e.data->'usage' AS usage FROM events e
        WHERE e.event_type IN ('SpendReserved', 'SpendSettled', 'ReservationReleased') AND e.data->>'agentId' = $1 ORDER BY e.global_position`,
      [agentId],
    );
    // The upstream may have generated (and billed) the whole answer: charged in full at the hold.
    expect(rows.map((row) => row.event_type)).toEqual(['SpendReserved', 'SpendSettled']);
    expect(rows[1].amount).toBe(rows[0].amount);
    expect(BigInt(rows[0].amount)).toBeGreaterThan(0n);
    expect(rows[1].usage).toEqual({});
  });

  it('streams Anthropic messages with an x-api-key agent key and settles from message_delta', async () => {
    const { agentId, key } = await agentWith({ limit: '10.00', allow: ['https://api.anthropic.com/*'] });
    mock.usage = { inputTokens: 100, outputTokens: 50 };
    const response = await fetch(`${api.baseUrl}/proxy/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-20250514', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('event: message_delta');
    expect(mock.received[mock.received.length - 1].headers['x-api-key']).toBe(PROVIDER_KEY);
    await waitFor(async () => (await openHolds(agentId)) === 0, 'hold settled');
    // claude-sonnet-4: 3 / 15 USD per million input / output tokens.
    expect(await settledTotalNanos(agentId)).toBe(100n * 3000n + 50n * 15000n);
  });

  it('refuses before forwarding: bad keys, suspended agents, unlisted and unpriced resources', async () => {
    const { agentId, key } = await agentWith({ limit: '10.00', allow: [`${mock.url}/allowed/*`] });
    const before = mock.received.length;
    expect((await resourceCall('')).status).toBe(401);
    expect((await resourceCall('ck_0123456789abcdef_' + 'x'.repeat(43))).status).toBe(401);
    const unlisted = await resourceCall(key, '/other');
    expect(unlisted.status).toBe(403);
    expect(await unlisted.json()).toMatchObject({ error: 'resource_not_allowed' });
    const bare = await agentWith({ limit: '1.00' });
    const noEntries: any = await (await resourceCall(bare.key, '/allowed/x')).json();
    expect(noEntries.message).toMatch(/caracal allowlist create --agent-id/);
    await api.call('POST', `/v1/agents/${agentId}/suspend`, { reason: 'test' });
    const suspended = await resourceCall(key, '/allowed/x');
    expect(suspended.status).toBe(403);
    expect(await suspended.json()).toMatchObject({ error: 'agent_suspended' });
    expect(mock.received.length).toBe(before);
  });

  it('refuses an LLM body past CARACAL_PROXY_MAX_REQUEST_BYTES with 413, holding and forwarding nothing', async () => {
    const { agentId, key } = await agentWith({ limit: '10.00', allow: ['https://api.openai.com/*'] });
    const before = mock.received.length;
    const padding = 'x'.repeat(10 * 1024 * 1024); // the default limit is 10 MiB
    const response = await fetch(`${api.baseUrl}/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: padding }], max_tokens: 10 }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
    expect(mock.received.length).toBe(before);
    expect(await openHolds(agentId)).toBe(0);
  });

  it('refuses private addresses unless an entry names the host, and never follows redirects', async () => {
    const wildcard = await agentWith({ limit: '10.00', allow: [`http://*:${new URL(mock.url).port}/*`] });
    const refused = await resourceCall(wildcard.key);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'resource_not_allowed', refused_by: 'address_policy', address: '127.0.0.1', address_block: '127.0.0.0/8', address_block_name: 'Loopback' });
    const localhost = await fetch(`${api.baseUrl}/proxy`, { headers: { 'x-caracal-key': wildcard.key, 'x-caracal-target-url': `${mock.url.replace('127.0.0.1', 'localhost')}/work` } });
    expect(localhost.status).toBe(403);

    const named = await agentWith({ limit: '10.00', allow: [`${mock.url}/*`] });
    const before = mock.received.length;
    const redirect = await fetch(`${api.baseUrl}/proxy`, { redirect: 'manual', headers: { 'x-caracal-key': named.key, 'x-caracal-target-url': `${mock.url}/redirect` } });
    expect(redirect.status).toBe(302);
    expect(mock.received.length - before).toBe(1);
  });

  it('releases the hold when the upstream fails without usage', async () => {
    const { agentId, key } = await agentWith({ limit: '1.00', allow: [`${mock.url}/*`] });
    mock.failWith = 500;
    try {
      expect((await resourceCall(key)).status).toBe(500);
    } finally {
      mock.failWith = null;
    }
    await waitFor(async () => (await openHolds(agentId)) === 0, 'hold released');
    expect(await settledTotalNanos(agentId)).toBe(0n);
    const { rows } = await api.client.query<{ n: string }>(`SELECT count(*)::text AS n FROM events e WHERE e.event_type = 'ReservationReleased' AND e.data->>'agentId' = $1`, [agentId]);
    expect(Number(rows[0].n)).toBe(1);
  });

  it('counts a child against its parent: two children never exceed the parent limit together', async () => {
    const parent = await agentWith({ limit: '0.50', allow: [`${mock.url}/*`] });
    const a = await agentWith({ parentAgentId: parent.agentId, allow: [`${mock.url}/*`] });
    const b = await agentWith({ parentAgentId: parent.agentId, allow: [`${mock.url}/*`] });
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => resourceCall(i % 2 ? a.key : b.key)));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(50);
    await waitFor(async () => (await openHolds(a.agentId)) + (await openHolds(b.agentId)) === 0, 'holds resolved');
    expect((await settledTotalNanos(a.agentId)) + (await settledTotalNanos(b.agentId))).toBe(500_000_000n);
  });

  it('exposes Prometheus metrics without agent ids as labels', async () => {
    const { agentId, key } = await agentWith({ limit: '0.01', allow: [`${mock.url}/*`] });
    expect((await resourceCall(key)).status).toBe(200);
    expect((await resourceCall(key)).status).toBe(403);
    await waitFor(async () => (await openHolds(agentId)) === 0, 'hold settled');
    const text = await api.deps.metrics.registry.metrics();
    expect(text).toMatch(/caracal_gateway_requests_total\{route="resource",status="200"\} \d+/);
    expect(text).toMatch(/caracal_gateway_request_duration_seconds_bucket\{le="[^"]+",route="resource"\}/);
    expect(text).toMatch(/caracal_gateway_decisions_total\{outcome="budget_exceeded"\} \d+/);
    expect(text).toMatch(/caracal_reservations_open 0/);
    expect(text).toContain('caracal_process_resident_memory_bytes');
    expect(text).not.toContain(agentId);
  });
});
