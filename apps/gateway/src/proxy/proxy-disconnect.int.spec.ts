import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type ClientRequest, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Counter } from 'prom-client';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { startHangingUpstream, type HangingUpstream } from '@caracal/test-support/hanging-upstream.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { probeSqlClient, type SqlProbe } from '@caracal/test-support/sql-probe.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';
import { openHoldsOfAgent } from '@caracal/test-support/open-holds.js';

const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

/** Every log line of the app, at every level (the app's own level filter is bypassed). */
const logged: { level: string; message: string }[] = [];
const capture: LoggerService = {
  log: (message: unknown) => void logged.push({ level: 'log', message: String(message) }),
  error: (message: unknown) => void logged.push({ level: 'error', message: String(message) }),
  warn: (message: unknown) => void logged.push({ level: 'warn', message: String(message) }),
  debug: (message: unknown) => void logged.push({ level: 'debug', message: String(message) }),
  verbose: (message: unknown) => void logged.push({ level: 'verbose', message: String(message) }),
  fatal: (message: unknown) => void logged.push({ level: 'fatal', message: String(message) }),
};

describe.each(backends)('client disconnects on %s', (backend) => {
  let api: AdminApiHarness;
  let mock: MockUpstream;
  let hanging: HangingUpstream;
  let probe: SqlProbe;
  /** An upstream that sends part of an answer and then drops the connection. */
  let cutter: Server;
  let cutterUrl: string;
  /** The gateway's end of each connection, by the client's port: to see the gateway notice a close. */
  const serverSockets = new Map<number, Socket>();

  beforeAll(async () => {
    mock = await startMockUpstream();
    hanging = await startHangingUpstream();
    cutter = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":', () => response.socket?.destroy());
    });
    await new Promise<void>((resolve) => cutter.listen(0, '127.0.0.1', () => resolve()));
    cutterUrl = `http://127.0.0.1:${(cutter.address() as { port: number }).port}`;
    const pricebook = pricebookWithResource(`${mock.url}/*`, '0.01');
    const book = JSON.parse(readFileSync(pricebook, 'utf8')) as { resources: unknown[] };
    book.resources.push({ pattern: `${hanging.url}/*`, perRequest: '0.02', description: 'test resource that never answers' });
    book.resources.push({ pattern: `${cutterUrl}/*`, perRequest: '0.03', description: 'test resource that cuts its answers' });
    writeFileSync(pricebook, JSON.stringify(book));
    api = await startAdminApi(backend, {
      CARACAL_UPSTREAM_OPENAI_URL: mock.url,
      OPENAI_API_KEY: 'sk-provider-secret',
      CARACAL_PRICEBOOK: pricebook,
    }, {
      wrapClient: (client) => {
        probe = probeSqlClient(client);
        return probe.client;
      },
    });
    (api.app.getHttpServer() as Server).on('connection', (socket: Socket) => serverSockets.set(socket.remotePort ?? 0, socket));
    Logger.overrideLogger(capture);
  });
  afterAll(async () => {
    await api?.close();
    await mock?.close();
    await hanging?.close();
    cutter?.closeAllConnections();
    await new Promise((resolve) => cutter?.close(resolve));
  });

  async function agent(): Promise<{ agentId: string; key: string }> {
    const created = await api.call('POST', '/v1/agents', { name: `agent-${Math.random().toString(36).slice(2, 10)}`, owner: 'disconnect@example.com' });
    expect(created.status).toBe(201);
    const agentId = created.body.agent.agentId as string;
    expect((await api.call('POST', '/v1/policies', { agentId, limit: '10.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'test' })).status).toBe(201);
    for (const pattern of [`${mock.url}/*`, `${hanging.url}/*`, `${cutterUrl}/*`, 'https://api.openai.com/*']) {
      expect((await api.call('POST', '/v1/allowlists', { agentId, pattern, patternType: 'glob' })).status).toBe(201);
    }
    return { agentId, key: created.body.apiKey.key as string };
  }

  /** A request on a connection of its own, whose headers (and `body`, if any) are sent at once. */
  function openRequest(path: string, headers: Record<string, string>, body?: string): ClientRequest {
    const request = httpRequest(`${api.baseUrl}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, agent: false });
    request.on('error', () => {}); // we destroy it ourselves
    if (body !== undefined) request.write(body);
    else request.end();
    request.flushHeaders();
    return request;
  }

  /** Closes the client's connection and waits until the gateway's end of it is closed too. */
  async function abort(request: ClientRequest): Promise<void> {
    await waitFor(() => request.socket !== null && request.socket.localPort !== undefined && serverSockets.has(request.socket.localPort), 'the gateway to accept the connection');
    const port = request.socket!.localPort!;
    request.destroy();
    await waitFor(() => serverSockets.get(port)!.destroyed, 'the gateway to see the connection close');
  }

  async function count(counter: Counter<string>, labels: Record<string, string>): Promise<number> {
    const { values } = await counter.get();
    return values.find((value) => Object.entries(labels).every(([name, label]) => value.labels[name] === label))?.value ?? 0;
  }

  async function snapshot() {
    const metrics = api.deps.metrics;
    return {
      disconnected: await count(metrics.decisions, { outcome: 'client_disconnected' }),
      internalErrors: await count(metrics.decisions, { outcome: 'internal_error' }),
      forwarded: await count(metrics.decisions, { outcome: 'forwarded' }),
      openai499: await count(metrics.requests, { route: 'openai', status: '499' }),
      resource499: await count(metrics.requests, { route: 'resource', status: '499' }),
      serverErrors: (await metrics.requests.get()).values.filter((value) => /^5/.test(String(value.labels.status))).reduce((sum, value) => sum + value.value, 0),
      released: await count(metrics.settlements, { outcome: 'released' }),
      settledAtHold: await count(metrics.settlements, { outcome: 'settled_at_hold' }),
      logLines: logged.length,
    };
  }

  async function holdEvents(agentId: string): Promise<{ event_type: string; amount: string }[]> {
    const { rows } = await api.client.query<{ event_type: string; amount: string }>(
      `SELECT e.event_type, e.data->>'amountNanos' AS amount FROM events e
        WHERE event_type IN ('SpendReserved', 'SpendSettled', 'ReservationReleased', 'ReservationExpired') AND e.data->>'agentId' = $1
        ORDER BY global_position`,
      [agentId],
    );
    return rows;
  }

  async function openHolds(agentId: string): Promise<number> {
    return openHoldsOfAgent(api.client, agentId);
  }

  function errorsLoggedSince(line: number): string[] {
    return logged.slice(line).filter((entry) => entry.level === 'error' || entry.level === 'fatal').map((entry) => entry.message);
  }

  /** A forwarded request whose client went away: charged at the hold, no 5xx, nothing logged as an error. */
  async function expectChargedAtHold(agentId: string, before: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
    const after = await snapshot();
    expect(after.forwarded).toBe(before.forwarded + 1);
    expect(after.settledAtHold).toBe(before.settledAtHold + 1);
    expect(after.internalErrors).toBe(before.internalErrors);
    expect(after.serverErrors).toBe(before.serverErrors);
    expect((await holdEvents(agentId)).map((event) => event.event_type)).toEqual(['SpendReserved', 'SpendSettled']);
    expect(errorsLoggedSince(before.logLines)).toEqual([]);
  }

  it('while the request body is read: no hold, nothing forwarded, counted as a client disconnect', async () => {
    const { agentId, key } = await agent();
    const before = await snapshot();
    const forwardedBefore = mock.received.length;
    const readsBefore = probe.finished(/allowlist_entries/);
    const request = openRequest('/proxy/openai/v1/chat/completions', { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': '1000' }, '{"model":"gpt-4o-mini",');
    // The agent's key, path and entries have been read: the gateway is now waiting for the rest of the body.
    await waitFor(() => probe.finished(/allowlist_entries/) > readsBefore, 'the gateway to read the agent before the body');
    await abort(request);

    await waitFor(async () => (await snapshot()).disconnected === before.disconnected + 1, 'the disconnect to be counted');
    const after = await snapshot();
    expect(after.openai499).toBe(before.openai499 + 1);
    expect(after.internalErrors).toBe(before.internalErrors);
    expect(after.serverErrors).toBe(before.serverErrors);
    expect(after.forwarded).toBe(before.forwarded);
    expect(await holdEvents(agentId)).toEqual([]);
    expect(mock.received.length).toBe(forwardedBefore);
    expect(errorsLoggedSince(before.logLines)).toEqual([]);
    expect(logged.slice(before.logLines)).toContainEqual({ level: 'debug', message: expect.stringContaining('client disconnected') });
  });

  it('while the hold is being taken: the committed hold is released and nothing is forwarded', async () => {
    const { agentId, key } = await agent();
    const before = await snapshot();
    const forwardedBefore = mock.received.length;
    const held = probe.holdNextWrite();
    const request = openRequest('/proxy', { 'x-caracal-key': key, 'x-caracal-target-url': `${mock.url}/work` });
    await held.entered;
    await abort(request);
    held.release();

    await waitFor(async () => (await snapshot()).disconnected === before.disconnected + 1, 'the disconnect to be counted');
    await waitFor(async () => (await openHolds(agentId)) === 0, 'the hold to be resolved');
    const after = await snapshot();
    expect(after.resource499).toBe(before.resource499 + 1);
    expect(after.internalErrors).toBe(before.internalErrors);
    expect(after.serverErrors).toBe(before.serverErrors);
    expect(after.forwarded).toBe(before.forwarded);
    expect(after.released).toBe(before.released + 1);
    expect((await holdEvents(agentId)).map((event) => event.event_type)).toEqual(['SpendReserved', 'ReservationReleased']);
    expect(mock.received.length).toBe(forwardedBefore);
    expect(errorsLoggedSince(before.logLines)).toEqual([]);
  });

  it('while waiting for the upstream: the upstream call is cancelled and the hold is charged', async () => {
    const { agentId, key } = await agent();
    const before = await snapshot();
    const request = openRequest('/proxy', { 'x-caracal-key': key, 'x-caracal-target-url': `${hanging.url}/hang/1` });
    await waitFor(() => hanging.hanging === 1, 'the request to reach the upstream');
    await abort(request);
    await waitFor(() => hanging.hanging === 0, 'the gateway to cancel the upstream call');

    await waitFor(async () => (await openHolds(agentId)) === 0, 'the hold to be resolved');
    await waitFor(async () => (await snapshot()).resource499 === before.resource499 + 1, 'the request to be counted');
    // It was forwarded and may have been billed: charged at the hold (fail closed).
    await expectChargedAtHold(agentId, before);
    const events = await holdEvents(agentId);
    expect(events[1].amount).toBe(events[0].amount);
  });

  it('mid-stream: charged at the hold, counted as a client disconnect', async () => {
    const { agentId, key } = await agent();
    const before = await snapshot();
    mock.stallStreams = true;
    try {
      const request = openRequest('/proxy/openai/v1/chat/completions', { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        JSON.stringify({ model: 'gpt-4o-mini', max_completion_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }));
      request.end();
      const response = await new Promise<import('node:http').IncomingMessage>((resolve) => request.once('response', resolve));
      expect(response.statusCode).toBe(200);
      await new Promise((resolve) => response.once('data', resolve));
      await abort(request);
    } finally {
      mock.stallStreams = false;
    }

    await waitFor(async () => (await openHolds(agentId)) === 0, 'the hold to be resolved');
    await waitFor(async () => (await snapshot()).openai499 === before.openai499 + 1, 'the request to be counted');
    await expectChargedAtHold(agentId, before);
  });

  it('an upstream that cuts its answer: the agent sees the answer cut short, the hold is charged', async () => {
    const { agentId, key } = await agent();
    const response = await fetch(`${api.baseUrl}/proxy`, { headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${cutterUrl}/work` } });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    await waitFor(async () => (await openHolds(agentId)) === 0, 'the hold to be resolved');
    const events = await holdEvents(agentId);
    expect(events.map((event) => event.event_type)).toEqual(['SpendReserved', 'SpendSettled']);
    expect(events[1].amount).toBe(events[0].amount);
  });
});
