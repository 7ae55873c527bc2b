import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseAmount } from '@caracal/money';
import { E2E_EVENT_AUTH_KEY, startGatewayProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { startHangingUpstream, type HangingUpstream } from '@caracal/test-support/hanging-upstream.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '@caracal/test-support/tcp-fault-proxy.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';
import { openHoldsOfAgent } from '@caracal/test-support/open-holds.js';

// Fault tests of the gateway's enforcement (issue 3, "Must show"), against the BUILT gateway
// running as real processes on one PostgreSQL database of this file's own. With CI=true an
// unreachable PostgreSQL fails the run instead of skipping it.

const ADMIN_TOKEN = 'e2e-enforcement-admin-token';
const CENT = 10_000_000n; // 0.01 in nano-units: the price of every request to the test resources
const RESOLUTIONS = new Set(['SpendSettled', 'ReservationReleased', 'ReservationExpired']);

const runPostgres = await shouldRunPostgresTests('gateway enforcement e2e');

interface StreamEvent {
  position: bigint;
  type: string;
  data: Record<string, any>;
  recordedAt: Date;
}

interface CallResult {
  status: number;
  body: any;
  /** X-Caracal-Remaining of a proxied answer. */
  remaining?: string | null;
}

(runPostgres ? describe : describe.skip)('gateway enforcement under faults (PostgreSQL, real processes)', () => {
  let db: TestDatabase;
  let sql: pg.Pool;
  let mock: MockUpstream;
  let hang: HangingUpstream;
  let pricebook: string;
  let workDir: string;
  const started: GatewayProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('e2e_enforcement');
    sql = new pg.Pool({ connectionString: db.url, max: 3 });
    sql.on('error', () => undefined);
    mock = await startMockUpstream();
    hang = await startHangingUpstream();
    // Both test resources cost exactly 0.01 per request.
    pricebook = pricebookWithResource(`${mock.url}/*`, '0.01');
    const book = JSON.parse(readFileSync(pricebook, 'utf8')) as { resources: unknown[] };
    book.resources.push({ pattern: `${hang.url}/*`, perRequest: '0.01', description: 'hanging test resource' });
    writeFileSync(pricebook, JSON.stringify(book));
    workDir = mkdtempSync(join(tmpdir(), 'caracal-e2e-enforcement-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((gateway) => gateway.kill('SIGKILL')));
    await sql?.end();
    await mock?.close();
    await hang?.close();
    await db?.drop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  // ---- helpers -------------------------------------------------------------------------------

  async function startGateway(env: Record<string, string> = {}): Promise<GatewayProcess> {
    const gateway = await startGatewayProcess({
      DATABASE_URL: db.url,
      CARACAL_EVENT_AUTH_KEY: E2E_EVENT_AUTH_KEY,
      CARACAL_ADMIN_TOKEN: ADMIN_TOKEN,
      CARACAL_METRICS_PORT: '0',
      CARACAL_HOST: '127.0.0.1',
      CARACAL_PRICEBOOK: pricebook,
      ...env,
    }, workDir);
    started.push(gateway);
    return gateway;
  }

  async function admin(gateway: GatewayProcess, method: string, path: string, body?: unknown): Promise<CallResult> {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async function agentWith(gateway: GatewayProcess, limit: string, allow: string) {
    const created = await admin(gateway, 'POST', '/v1/agents', { name: `enforcement-${Math.random().toString(36).slice(2, 10)}`, owner: 'e2e@example.com' });
    expect(created.status).toBe(201);
    const agentId = created.body.agent.agentId as string;
    const policy = await admin(gateway, 'POST', '/v1/policies', { agentId, limit, currency: 'USD', timeWindow: 'total', windowType: 'calendar', changeReason: 'e2e enforcement' });
    expect(policy.status).toBe(201);
    expect((await admin(gateway, 'POST', '/v1/allowlists', { agentId, pattern: allow, patternType: 'glob' })).status).toBe(201);
    return { agentId, key: created.body.apiKey.key as string, policyId: policy.body.policyId as string };
  }

  /** One agent request through `/proxy` to `target`; never throws for HTTP statuses. */
  async function proxyCall(gateway: GatewayProcess, key: string, target: string): Promise<CallResult> {
    const response = await fetch(`${gateway.url}/proxy`, {
      method: 'POST',
      headers: { 'x-caracal-key': key, 'x-caracal-target-url': target, 'content-type': 'application/json' },
      body: '{"q":1}',
    });
    const text = await response.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, remaining: response.headers.get('x-caracal-remaining') };
  }

  /** caracal_gateway_budget_commands_forwarded_total{outcome} of one gateway process, from its metrics. */
  async function forwardedCount(gateway: GatewayProcess, outcome: string): Promise<number> {
    const metricsUrl = /metrics:\s+curl (\S+)/.exec(gateway.output())?.[1];
    if (metricsUrl === undefined) throw new Error(`the gateway did not say where its metrics are:\n${gateway.output()}`);
    const text = await (await fetch(metricsUrl)).text();
    const line = text.split('\n').find((l) => l.startsWith(`caracal_gateway_budget_commands_forwarded_total{outcome="${outcome}"}`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  }

  /** The agent's budget stream (its own root here), in stream order. */
  async function budgetStream(rootAgentId: string): Promise<StreamEvent[]> {
    const { rows } = await sql.query<{ position: string; event_type: string; data: Record<string, any>; recorded_at: Date }>(
      'SELECT e.stream_position::text AS position, e.event_type, e.data, e.recorded_at FROM events e WHERE e.stream_id = $1 ORDER BY e.stream_position',
      [`budget-${rootAgentId}`],
    );
    return rows.map((row) => ({ position: BigInt(row.position), type: row.event_type, data: row.data, recordedAt: row.recorded_at }));
  }

  async function openHolds(agentId: string): Promise<number> {
    return openHoldsOfAgent(sql, agentId);
  }

  /** Every reservation resolves exactly once, and nothing resolves that was never reserved. */
  function resolutionsByReservation(events: StreamEvent[]): Map<string, StreamEvent[]> {
    const byId = new Map<string, StreamEvent[]>();
    for (const event of events) {
      if (event.type === 'SpendReserved') {
        expect(byId.has(event.data.reservationId)).toBe(false);
        byId.set(event.data.reservationId, []);
      }
    }
    for (const event of events) {
      if (!RESOLUTIONS.has(event.type)) continue;
      const list = byId.get(event.data.reservationId);
      expect(list).toBeDefined(); // a resolution of an unknown reservation
      list!.push(event);
    }
    return byId;
  }

  function expectEachResolvedOnce(events: StreamEvent[]): Map<string, StreamEvent[]> {
    const byId = resolutionsByReservation(events);
    const counts = [...byId.values()].map((list) => list.length);
    expect(counts.filter((n) => n !== 1)).toEqual([]);
    return byId;
  }

  /**
   * Runs `call` from `workers` concurrent loops until `stop()` says so (checked before each
   * call); resolves with every result in completion order.
   */
  async function load<T>(workers: number, stop: () => boolean, call: (n: number) => Promise<T>): Promise<T[]> {
    const results: T[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: workers }, async () => {
      while (!stop()) results.push(await call(next++));
    }));
    return results;
  }

  // ---- 1. budget edge burst across two processes --------------------------------------------

  it('admits exactly 100 of 500 concurrent 0.01 requests on a 1.00 budget, across two gateway processes', async () => {
    // A short TTL so that a settlement the gateway fails to commit shows up as an expiry
    // within the test's deadline instead of holding the test for the default 15 minutes.
    const [a, b] = await Promise.all([startGateway({ CARACAL_RESERVATION_TTL_MS: '8000' }), startGateway({ CARACAL_RESERVATION_TTL_MS: '8000' })]);
    try {
      const agent = await agentWith(a, '1.00', `${mock.url}/*`);
      const receivedBefore = mock.received.filter((r) => r.url.startsWith('/burst/')).length;
      expect(receivedBefore).toBe(0);

      const results = await Promise.all(Array.from({ length: 500 }, (_, i) => proxyCall(i % 2 === 0 ? a : b, agent.key, `${mock.url}/burst/${i}`)));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s !== 200 && s !== 403)).toEqual([]);
      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      const denials = results.filter((r) => r.status === 403);
      expect(denials).toHaveLength(400);
      expect(denials.filter((r) => r.body?.error !== 'budget_exceeded')).toEqual([]);
      expect(denials[0].body).toMatchObject({ error: 'budget_exceeded', policy: agent.policyId, limit: '1.00' });
      expect(mock.received.filter((r) => r.url.startsWith('/burst/'))).toHaveLength(100);

      await waitFor(async () => (await openHolds(agent.agentId)) === 0, 'every hold of the burst resolved', 30_000, 100);
      const events = await budgetStream(agent.agentId);
      const reserved = events.filter((e) => e.type === 'SpendReserved');
      expect(reserved).toHaveLength(100);
      expect(reserved.every((e) => BigInt(e.data.amountNanos) === CENT)).toBe(true);
      const byId = expectEachResolvedOnce(events);
      expect([...byId.values()].every((list) => list[0].type === 'SpendSettled')).toBe(true);
      const settled = events.filter((e) => e.type === 'SpendSettled').reduce((sum, e) => sum + BigInt(e.data.amountNanos), 0n);
      expect(settled).toBe(1_000_000_000n);
      // Both processes took part: each answered some of the requests it was sent.
      const admittedByA = results.filter((r, i) => i % 2 === 0 && r.status === 200).length;
      console.log(`burst: gateway A admitted ${admittedByA}, gateway B ${100 - admittedByA}`);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  // ---- 2. a policy lowered during a burst ---------------------------------------------------

  it('admits nothing beyond the new limit after a lowering commits mid-burst', async () => {
    // A short TTL so that a settlement the gateway fails to commit shows up as an expiry
    // within the test's deadline instead of holding the test for the default 15 minutes.
    const [a, b] = await Promise.all([startGateway({ CARACAL_RESERVATION_TTL_MS: '8000' }), startGateway({ CARACAL_RESERVATION_TTL_MS: '8000' })]);
    try {
      const agent = await agentWith(a, '10.00', `${mock.url}/*`);
      const NEW_LIMIT = '3.00';
      const NEW_LIMIT_NANOS = 3_000_000_000n;
      const forwarded = (): number => mock.received.filter((r) => r.url.startsWith(`/lower/${agent.agentId}/`)).length;

      let patched: CallResult | null = null;
      let sentAfterPatch = 0;
      const lowering = (async () => {
        await waitFor(() => forwarded() >= 150, '150 requests of the burst forwarded', 30_000, 5);
        // A client would retry a 409 (the budget stream kept changing under it); so do we.
        const deadline = Date.now() + 20_000;
        for (;;) {
          const answer = await admin(b, 'PATCH', `/v1/policies/${agent.policyId}`, { limit: NEW_LIMIT, changeReason: 'lowered mid-burst' });
          if (answer.status !== 409 || Date.now() > deadline) {
            patched = answer;
            return;
          }
        }
      })();
      // Bounded by time, not by a request count: under contention the policy change can take a
      // while to win the budget stream, and the burst must still be running when it lands.
      const burstDeadline = Date.now() + 60_000;
      const results = await load(32, () => (patched !== null && sentAfterPatch >= 300) || Date.now() > burstDeadline, async (n) => {
        if (patched !== null) sentAfterPatch++;
        const gateway = n % 2 === 0 ? a : b;
        return proxyCall(gateway, agent.key, `${mock.url}/lower/${agent.agentId}/${n}`);
      });
      await lowering;
      expect(patched).toMatchObject({ status: 200, body: { limit: NEW_LIMIT, version: 2 } });
      // Admissions and budget denials only: losing version races to the other process is
      // retried inside the gateway, never surfaced as an error.
      expect(results.filter((r) => r.status !== 200 && r.status !== 403)).toEqual([]);
      // The burst went on after the change and ran into the new limit.
      const lateDenials = results.filter((r) => r.status === 403 && r.body?.limit === NEW_LIMIT);
      expect(lateDenials.length).toBeGreaterThan(0);
      expect(lateDenials.every((r) => r.body.error === 'budget_exceeded')).toBe(true);

      await waitFor(async () => (await openHolds(agent.agentId)) === 0, 'every hold of the burst resolved', 30_000, 100);
      const events = await budgetStream(agent.agentId);
      expectEachResolvedOnce(events);
      const change = events.filter((e) => e.type === 'BudgetPolicyChanged');
      expect(change).toHaveLength(1);
      expect(change[0].data.limitNanos).toBe(NEW_LIMIT_NANOS.toString());
      const changeAt = change[0].position;

      // Fold the stream: what was charged or held when the change committed, and every
      // admission after it, checked against the new limit at the moment it was committed.
      const held = new Map<string, bigint>();
      let charged = 0n;
      let consumedBeforeChange: bigint | null = null;
      let admittedAfter = 0n;
      let admissionsAfter = 0;
      let admissionsBefore = 0;
      for (const event of events) {
        if (event.position === changeAt) consumedBeforeChange = charged + [...held.values()].reduce((s, v) => s + v, 0n);
        const amount = event.data.amountNanos === undefined ? 0n : BigInt(event.data.amountNanos);
        if (event.type === 'SpendReserved') {
          held.set(event.data.reservationId, amount);
          if (event.position > changeAt) {
            admittedAfter += amount;
            admissionsAfter++;
            const exposure = charged + [...held.values()].reduce((s, v) => s + v, 0n);
            expect(exposure <= NEW_LIMIT_NANOS).toBe(true);
          } else {
            admissionsBefore++;
          }
        } else if (event.type === 'SpendSettled' || event.type === 'ReservationExpired') {
          held.delete(event.data.reservationId);
          charged += amount;
        } else if (event.type === 'ReservationReleased') {
          held.delete(event.data.reservationId);
        }
      }
      expect(consumedBeforeChange).not.toBeNull();
      const room = NEW_LIMIT_NANOS - consumedBeforeChange!;
      expect(admittedAfter <= (room > 0n ? room : 0n)).toBe(true);
      // The mock saw exactly the admitted requests, no more.
      expect(forwarded()).toBe(admissionsBefore + admissionsAfter);
      console.log(`lowering: ${admissionsBefore} admitted before the change (consumed ${consumedBeforeChange} nanos), ${admissionsAfter} after (room ${room} nanos), ${results.length} requests`);

      // Raised again through B: both processes admit at once, also A, whose writer has only
      // denied since its last append (it reads the stream before it denies).
      const raised = await admin(b, 'PATCH', `/v1/policies/${agent.policyId}`, { limit: '10.00', changeReason: 'raised after the burst' });
      expect(raised).toMatchObject({ status: 200, body: { limit: '10.00', version: 3 } });
      const afterRaise = [];
      for (const gateway of [a, b, a, b]) afterRaise.push(await proxyCall(gateway, agent.key, `${mock.url}/lower/${agent.agentId}/raised-${afterRaise.length}`));
      expect(afterRaise.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  // ---- 2b. one writer per hot budget ----------------------------------------------------------

  it('has one process own a budget both write, the other forward to it, and commit itself once the owner is gone', async () => {
    const [a, b] = await Promise.all([startGateway({ CARACAL_RESERVATION_TTL_MS: '8000' }), startGateway({ CARACAL_RESERVATION_TTL_MS: '8000' })]);
    try {
      const agent = await agentWith(a, '100.00', `${mock.url}/*`);
      const owner = async (): Promise<string | null> => {
        const { rows } = await sql.query<{ owner_url: string }>('SELECT owner_url FROM budget_stream_owners WHERE root_agent_id = $1 AND lease_until > now()', [agent.agentId]);
        return rows[0]?.owner_url ?? null;
      };
      // Both processes write the stream until one of them owns it and the other has forwarded to it for a while.
      let forwardedByOther = 0;
      const settledOwnership = async (): Promise<boolean> => {
        const url = await owner();
        if (url === null) return false;
        forwardedByOther = await forwardedCount(url === a.url ? b : a, 'decided');
        return forwardedByOther >= 50;
      };
      let done = false;
      const deadline = Date.now() + 30_000;
      const watcher = (async () => {
        await waitFor(settledOwnership, 'one process owns the stream and the other forwarded 50 commands to it', 30_000, 50);
        done = true;
      })();
      const results = await load(16, () => done || Date.now() > deadline, (n) => proxyCall(n % 2 === 0 ? a : b, agent.key, `${mock.url}/owned/${agent.agentId}/${n}`));
      await watcher;
      expect(results.filter((r) => r.status !== 200)).toEqual([]);
      const ownerUrl = await owner();
      expect([a.url, b.url]).toContain(ownerUrl);
      const [ownerProcess, other] = ownerUrl === a.url ? [a, b] : [b, a];
      expect(forwardedByOther).toBeGreaterThanOrEqual(50);
      // The owner decides; it forwards nothing itself.
      expect(await forwardedCount(ownerProcess, 'decided')).toBe(0);
      // The budget left, as each process reports it: the forwarding one has it from the owner, not
      // from a view of the stream it no longer writes. One request after the other, each 0.01.
      const viaOther = await proxyCall(other, agent.key, `${mock.url}/owned/${agent.agentId}/left-1`);
      const viaOwner = await proxyCall(ownerProcess, agent.key, `${mock.url}/owned/${agent.agentId}/left-2`);
      expect([viaOther.status, viaOwner.status]).toEqual([200, 200]);
      expect(parseAmount(String(viaOther.remaining)) - parseAmount(String(viaOwner.remaining))).toBe(CENT);
      results.push(viaOther, viaOwner);

      // The owner dies (once the holds so far are resolved: what it had not committed would expire,
      // which kill -9 covers below): the other process finds it unreachable and commits the stream itself.
      await waitFor(async () => (await openHolds(agent.agentId)) === 0, 'the holds so far resolved', 30_000, 20);
      await ownerProcess.kill('SIGKILL');
      const afterDeath = [];
      for (let i = 0; i < 20; i++) afterDeath.push(await proxyCall(other, agent.key, `${mock.url}/owned/${agent.agentId}/after-${i}`));
      // A hold sent just as the owner died may be refused (503, released), never admitted twice.
      expect(afterDeath.filter((r) => r.status !== 200 && !(r.status === 503 && r.body?.error === 'budget_owner_unavailable'))).toEqual([]);
      expect(afterDeath.slice(-10).map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(await forwardedCount(other, 'unreachable')).toBeGreaterThan(0);

      // Every hold the budget stream took resolved exactly once (the dead owner's open ones expire).
      await waitFor(async () => (await openHolds(agent.agentId)) === 0, 'every hold resolved', 30_000, 100);
      const events = await budgetStream(agent.agentId);
      expectEachResolvedOnce(events);
      const admitted = results.length + afterDeath.filter((r) => r.status === 200).length;
      const forwardedToMock = mock.received.filter((r) => r.url.startsWith(`/owned/${agent.agentId}/`)).length;
      expect(forwardedToMock).toBe(admitted);
      expect(events.filter((e) => e.type === 'SpendReserved').length).toBeGreaterThanOrEqual(admitted);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  // ---- 3. kill -9 with open holds -----------------------------------------------------------

  it('expires and charges, exactly once, the holds of a gateway killed with SIGKILL', async () => {
    const ttl = { CARACAL_RESERVATION_TTL_MS: '2000' };
    const first = await startGateway(ttl);
    const agent = await agentWith(first, '0.05', `${hang.url}/*`);
    const calls = Array.from({ length: 5 }, (_, i) => proxyCall(first, agent.key, `${hang.url}/hang/${agent.agentId}/${i}`).then(() => 'answered', () => 'connection lost'));
    await waitFor(async () => hang.received.filter((u) => u.includes(agent.agentId)).length === 5 && (await openHolds(agent.agentId)) === 5, 'five holds committed and their requests hanging upstream', 20_000);

    const killedAt = new Date();
    const exit = await first.kill('SIGKILL');
    expect(exit).toBeNull(); // killed by the signal, no exit code
    expect(first.child.signalCode).toBe('SIGKILL');
    const outcomes = await Promise.all(calls);
    expect(outcomes).toEqual(Array(5).fill('connection lost'));
    expect(await openHolds(agent.agentId)).toBe(5);

    const second = await startGateway(ttl);
    try {
      await waitFor(async () => (await openHolds(agent.agentId)) === 0, 'the dead gateway\'s holds expired', 30_000, 100);
      const events = await budgetStream(agent.agentId);
      const reserved = events.filter((e) => e.type === 'SpendReserved');
      expect(reserved).toHaveLength(5);
      const byId = expectEachResolvedOnce(events);
      for (const hold of reserved) {
        const [resolution] = byId.get(hold.data.reservationId)!;
        expect(resolution.type).toBe('ReservationExpired');
        expect(resolution.data.amountNanos).toBe(hold.data.amountNanos); // charged at the held amount
        expect(Date.parse(resolution.data.occurredAt)).toBeGreaterThanOrEqual(Date.parse(hold.data.expiresAt)); // not before its TTL
        expect(resolution.recordedAt.getTime()).toBeGreaterThan(killedAt.getTime() - 100); // after the crash
      }
      expect(events.filter((e) => e.type === 'SpendSettled' || e.type === 'ReservationReleased')).toEqual([]);

      // The expired holds were charged: the 0.05 budget is spent, so the next call is refused.
      const next = await proxyCall(second, agent.key, `${hang.url}/ok`);
      expect(next.status).toBe(403);
      expect(next.body).toMatchObject({ error: 'budget_exceeded', spent: '0.05', held: '0.00' });
      // Holds stay resolved once: nothing further was appended for them.
      const later = await budgetStream(agent.agentId);
      expect(later.filter((e) => RESOLUTIONS.has(e.type))).toHaveLength(5);
    } finally {
      await second.stop();
    }
  });

  // ---- 4. database cut mid-load -------------------------------------------------------------

  it('fails closed while the database is unreachable and resumes without a restart', async () => {
    const dbUrl = new URL(db.url);
    const proxy: TcpFaultProxy = await startTcpFaultProxy(dbUrl.hostname, Number(dbUrl.port || 5432));
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const gateway = await startGateway({
      DATABASE_URL: viaProxy.toString(),
      CARACAL_RESERVATION_TTL_MS: '2000',
      CARACAL_DATABASE_CONNECT_TIMEOUT_MS: '2000',
    });
    try {
      const agent = await agentWith(gateway, '100.00', `${mock.url}/*`);
      const prefix = `/db/${agent.agentId}/`;
      const forwardedPaths = (): string[] => mock.received.filter((r) => r.url.startsWith(prefix)).map((r) => r.url);
      const call = (n: number): Promise<CallResult> => proxyCall(gateway, agent.key, `${mock.url}${prefix}${n}`)
        .catch((error: Error) => ({ status: 0, body: { error: 'connection_failed', message: String(error.cause ?? error) } }));
      const alive = (): boolean => gateway.child.exitCode === null && gateway.child.signalCode === null;
      let n = 0;

      // Healthy.
      const warm = await Promise.all(Array.from({ length: 20 }, () => call(n++)));
      expect(warm.map((r) => r.status)).toEqual(Array(20).fill(200));

      // Mid-load: cut the link to PostgreSQL while requests are in flight.
      type Tagged = CallResult & { phase: 'before' | 'cut' | 'restored' };
      let phase: Tagged['phase'] = 'before';
      let okBefore = 0;
      let cutAnswers = 0;
      let okRestored = 0;
      const inFlightAtCut: Promise<unknown>[] = [];
      const inFlight = new Set<Promise<unknown>>();
      let forwardedAtQuiet = -1;
      const hardStop = Date.now() + 50_000; // a gateway that never recovers fails the test, not the run
      let aborted = false;
      const loadDone = load(8, () => aborted || (phase === 'restored' && okRestored >= 20) || Date.now() > hardStop, async () => {
        const startedIn = phase;
        const pending = call(n++);
        inFlight.add(pending);
        const result = await pending.finally(() => inFlight.delete(pending));
        if (startedIn === 'before' && result.status === 200) okBefore++;
        if (startedIn === 'cut' && forwardedAtQuiet >= 0) cutAnswers++;
        if (startedIn === 'restored' && result.status === 200) okRestored++;
        // A request that started during the cut may wait for a connection and succeed after
        // the restore (that is correct): judge each answer by when it was given.
        return { ...result, phase: startedIn === 'cut' && phase === 'restored' ? 'restored' : startedIn } as Tagged;
      });

      await waitFor(() => okBefore >= 20, 'load flowing through the gateway', 20_000, 5);
      proxy.cut();
      phase = 'cut';
      inFlightAtCut.push(...inFlight);
      await Promise.all(inFlightAtCut);
      forwardedAtQuiet = forwardedPaths().length; // requests in flight at the cut have all answered
      await waitFor(() => cutAnswers >= 40 || !alive(), '40 requests answered while the database is cut', 30_000, 5);
      if (!alive()) {
        aborted = true;
        await loadDone;
        throw new Error(`the gateway process died while the database was cut; it must fail closed and stay up:\n${gateway.output().slice(-2500)}`);
      }
      expect(forwardedPaths().length).toBe(forwardedAtQuiet); // nothing forwarded while cut
      const health = await fetch(`${gateway.url}/health`);
      expect(health.status).toBe(503);

      proxy.restore();
      phase = 'restored';
      const results = await loadDone;
      expect(okRestored).toBeGreaterThanOrEqual(20);

      const cutResults = results.filter((r) => r.phase === 'cut');
      expect(cutResults.length).toBeGreaterThanOrEqual(40);
      expect(cutResults.filter((r) => r.status === 200)).toEqual([]);
      expect(cutResults.filter((r) => r.status < 500)).toEqual([]); // fail closed with a 5xx
      const storeUnavailable = cutResults.filter((r) => r.status === 503 && r.body?.error === 'store_unavailable');
      expect(storeUnavailable.length).toBeGreaterThan(0);
      console.log(`db cut: statuses while cut ${JSON.stringify(countBy(cutResults.map((r) => `${r.status} ${r.body?.error ?? ''}`)))}`);

      // Resumed without a restart.
      expect(gateway.child.exitCode).toBeNull();
      const after = await Promise.all(Array.from({ length: 20 }, () => call(n++)));
      expect(after.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);

      // Nothing reached the upstream without a committed hold; every hold resolved once
      // (holds whose settlement failed during the cut expire after the TTL).
      await waitFor(async () => (await openHolds(agent.agentId)) === 0, 'every hold resolved after the cut', 30_000, 100);
      const events = await budgetStream(agent.agentId);
      expectEachResolvedOnce(events);
      const heldResources = new Set(events.filter((e) => e.type === 'SpendReserved').map((e) => new URL(e.data.resource).pathname));
      const unheld = forwardedPaths().filter((path) => !heldResources.has(path));
      expect(unheld).toEqual([]);
      expect(new Set(forwardedPaths()).size).toBe(forwardedPaths().length);
    } finally {
      await gateway.stop();
      await proxy.close();
    }
  });
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
