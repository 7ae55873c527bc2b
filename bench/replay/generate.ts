/**
 * The replay benchmark's event log, generated through the DOMAIN: agents registered with
 * decideAgent/evolveAgent, policies created with decideBudgetPolicy, and every reservation event
 * decided by decideReservation (or recordDenials for refusals) on its root's budget state, then
 * folded with evolveBudgetAll — as the gateway would record them. Only the loading is bulk: the
 * decided events are written to `events` with multi-row INSERTs (unnest), several thousand per
 * transaction, instead of one SqlEventStore.append per command (which would take ~15 minutes
 * for 1M events on 2 cores and is not what this benchmark measures).
 */
import { randomUUID } from 'node:crypto';
import {
  agentStreamId,
  BudgetExceededError,
  budgetStreamId,
  decideAgent,
  decideBudgetPolicy,
  decideReservation,
  evolveAgent,
  evolveBudgetAll,
  initialAgentState,
  initialBudgetState,
  recordDenials,
  type AgentState,
  type BudgetState,
  type ChainAgent,
  type Decision,
  type DomainEvent,
  type ReservationCommand,
} from '@caracal/domain';
import { eventAuthenticationBytes, type EventAuthenticator, type SqlClient } from '@caracal/event-store';
import { canonicalize } from '@caracal/merkle';

export interface GeneratedLog {
  events: number;
  counts: Record<string, number>;
  roots: number;
  agents: number;
  streams: number;
}

const BENCH_METADATA = '{"actor":"bench"}';

export interface GenerateOptions {
  /** Tags every event as the gateway's store would (docs/leaf-format.md); default: untagged. */
  authenticator?: EventAuthenticator;
  events: number;
  /** Delegation roots, each with its own budget stream (default 200). */
  roots?: number;
  seed?: number;
  /** Events per INSERT transaction (default 5,000). */
  chunk?: number;
  onProgress?: (written: number) => void;
}

/** mulberry32: the same seed gives the same shape of log. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pending {
  atMs: number;
  command: ReservationCommand;
}

/** One delegation root: root → a → a1, a → a2, root → b (b has a small hourly policy). */
interface Root {
  rootId: string;
  streamId: string;
  state: BudgetState;
  chains: ChainAgent[][];
  clockMs: number;
  pending: Pending[];
  requests: number;
}

interface Row {
  streamId: string;
  type: string;
  data: unknown;
  recordedAtMs: number;
}

const START_MS = Date.parse('2026-03-01T00:00:00Z');
const RESOURCES = ['openai/gpt-4o-mini', 'openai/gpt-4o', 'anthropic/claude-sonnet-4', 'https://api.example.com/v1/search'];
const TTL_MS = 60_000;

export async function generateLog(client: SqlClient, options: GenerateOptions): Promise<GeneratedLog> {
  return new LogGenerator(client, options).writeUpTo(options.events);
}

/**
 * The same log, written in parts: `writeUpTo(n)` goes on where the last call stopped (open holds
 * stay open in between) until the log holds n events. The recovery benchmark snapshots the read
 * models between two parts, then replays the events written after.
 */
export class LogGenerator {
  private readonly random: () => number;
  private readonly counts: Record<string, number> = {};
  private readonly versions = new Map<string, number>();
  private readonly roots: Root[] = [];
  private buffer: Row[] = [];
  private written = 0;
  private target = 0;
  private agentCount = 0;
  private turn = 0;

  constructor(
    private readonly client: SqlClient,
    private readonly options: Omit<GenerateOptions, 'events'>,
  ) {
    this.random = prng(options.seed ?? 7);
  }

  async writeUpTo(events: number): Promise<GeneratedLog> {
    this.target = events;
    if (this.roots.length === 0) await this.setUpRoots();
    await this.requests();
    await this.flush();
    // The streams table as appends would have left it.
    await this.client.query(
      `INSERT INTO streams (stream_id, version) SELECT stream_id, max(stream_position) FROM events GROUP BY stream_id
       ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version`,
    );
    await this.client.query('VACUUM ANALYZE events');
    return { events: this.written, counts: { ...this.counts }, roots: this.roots.length, agents: this.agentCount, streams: this.versions.size };
  }

  private full(): boolean {
    return this.written + this.buffer.length >= this.target;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    const streamIds: string[] = [];
    const positions: string[] = [];
    const ids: string[] = [];
    const types: string[] = [];
    const datas: string[] = [];
    const tags: (Buffer | null)[] = [];
    const recorded: string[] = [];
    const authenticator = this.options.authenticator ?? null;
    for (const row of rows) {
      const position = (this.versions.get(row.streamId) ?? 0) + 1;
      this.versions.set(row.streamId, position);
      streamIds.push(row.streamId);
      positions.push(String(position));
      ids.push(randomUUID());
      types.push(row.type);
      // As SqlEventStore stores it: RFC 8785 text, tagged when a key is given.
      const dataText = canonicalize(row.data);
      datas.push(dataText);
      tags.push(authenticator === null ? null : authenticator.tag(eventAuthenticationBytes({
        eventId: ids[ids.length - 1], eventType: row.type, schemaVersion: 1, streamId: row.streamId, dataText, metadataText: BENCH_METADATA,
      })));
      recorded.push(new Date(row.recordedAtMs).toISOString());
    }
    await this.client.query(
      `INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text, metadata_text, recorded_at, auth_key, auth_tag)
       SELECT s, p, i, t, 1, d, $7, r, (SELECT caracal_event_auth_key($8::text) WHERE $8::text IS NOT NULL), g
         FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $9::bytea[])
              WITH ORDINALITY AS u(s, p, i, t, d, r, g, ord)
        ORDER BY ord`,
      [streamIds, positions, ids, types, datas, recorded, BENCH_METADATA, authenticator?.keyId ?? null, tags],
    );
    this.written += rows.length;
    this.options.onProgress?.(this.written);
  }

  private async emit(streamId: string, events: readonly DomainEvent[], atMs: number): Promise<void> {
    for (const event of events) {
      if (this.full()) return;
      this.counts[event.type] = (this.counts[event.type] ?? 0) + 1;
      this.buffer.push({ streamId, type: event.type, data: event.data, recordedAtMs: atMs + 5 });
    }
    if (this.buffer.length >= (this.options.chunk ?? 5_000)) await this.flush();
  }

  /** Agents and policies, through the domain. */
  private async setUpRoots(): Promise<void> {
    const rootCount = this.options.roots ?? 200;
    for (let r = 0; r < rootCount && !this.full(); r++) {
      const ids = { root: randomUUID(), a: randomUUID(), a1: randomUUID(), a2: randomUUID(), b: randomUUID() };
      const parents: [keyof typeof ids, keyof typeof ids | null][] = [
        ['root', null],
        ['a', 'root'],
        ['a1', 'a'],
        ['a2', 'a'],
        ['b', 'root'],
      ];
      const agents = new Map<string, AgentState>();
      for (const [name, parentName] of parents) {
        const parent = parentName === null ? null : (agents.get(ids[parentName]) as AgentState);
        const decided = decideAgent(initialAgentState, {
          type: 'RegisterAgent',
          agentId: ids[name],
          name: `bench-${name}-${r}`,
          description: 'replay benchmark',
          owner: 'bench@example.com',
          parentAgentId: parentName === null ? null : ids[parentName],
          parent,
          metadata: {},
          initialKey: { keyId: `key-${ids[name].slice(0, 8)}`, keyHash: 'ab'.repeat(32) },
          actor: 'bench@example.com',
        });
        const events = ok(decided);
        agents.set(ids[name], events.reduce(evolveAgent, initialAgentState));
        await this.emit(agentStreamId(ids[name]), events, START_MS);
        this.agentCount += 1;
      }
      const root: Root = {
        rootId: ids.root,
        streamId: budgetStreamId(ids.root),
        state: initialBudgetState(ids.root),
        chains: [
          [ids.root],
          [ids.root, ids.a],
          [ids.root, ids.a, ids.a1],
          [ids.root, ids.a, ids.a2],
          [ids.root, ids.b],
        ].map((path) => path.map((agentId) => ({ agentId, status: 'active' as const }))),
        clockMs: START_MS + Math.floor(this.random() * 60_000),
        pending: [],
        requests: 0,
      };
      const policies: [string, string, string][] = [
        [ids.root, '100000.00', 'daily'],
        [ids.a, '50000.00', 'daily'],
        // Small: b's requests run into it near the end of each hour (budget_exceeded denials).
        [ids.b, '0.60', 'hourly'],
      ];
      for (const [agentId, limit, timeWindow] of policies) {
        const decided = decideBudgetPolicy(root.state, {
          type: 'CreatePolicy',
          policyId: randomUUID(),
          agentId,
          agent: agents.get(agentId) as AgentState,
          limit,
          currency: 'USD',
          timeWindow,
          windowType: 'calendar',
          timezone: 'UTC',
          changeReason: 'replay benchmark',
          actor: 'bench@example.com',
        });
        const events = ok(decided);
        root.state = evolveBudgetAll(root.state, events);
        await this.emit(root.streamId, events, START_MS);
      }
      this.roots.push(root);
    }
  }

  private async decide(root: Root, command: ReservationCommand, atMs: number): Promise<Decision<DomainEvent>> {
    const decision = decideReservation(root.state, command);
    if (Array.isArray(decision)) {
      root.state = evolveBudgetAll(root.state, decision);
      await this.emit(root.streamId, decision, atMs);
    }
    return decision;
  }

  /** Requests, round robin over the roots (the global log interleaves the budget streams). */
  private async requests(): Promise<void> {
    const random = this.random;
    for (; !this.full(); this.turn++) {
      const root = this.roots[this.turn % this.roots.length];
      root.clockMs += 1_000 + Math.floor(random() * 19_000);
      const now = root.clockMs;
      // Resolve what is due first, in time order (settles, releases, expiries).
      root.pending.sort((x, y) => x.atMs - y.atMs);
      while (root.pending.length > 0 && root.pending[0].atMs <= now && !this.full()) {
        const { atMs, command } = root.pending.shift() as Pending;
        await this.decide(root, command, atMs);
      }
      if (this.full()) break;

      const chain = root.chains[Math.floor(random() * root.chains.length)];
      const agentId = chain[chain.length - 1].agentId;
      const requestId = `req-${root.rootId.slice(0, 8)}-${root.requests++}`;
      const resource = RESOURCES[Math.floor(random() * RESOURCES.length)];
      if (random() < 0.01) {
        // Refused before any budget check (allowlist): audit only.
        await this.emit(
          root.streamId,
          recordDenials([{ requestId, agentId, reason: 'resource_not_allowed', policyId: null, resource: 'https://evil.example.com/', now: new Date(now) }]),
          now,
        );
        continue;
      }
      const reservationId = randomUUID();
      const held = BigInt(Math.floor(random() * 20_000_000)) + 1n; // up to 0.02
      const reserve: ReservationCommand = {
        type: 'ReserveSpend',
        reservationId,
        requestId,
        agentId,
        agentChain: chain,
        resource,
        model: resource.startsWith('https://') ? null : resource.split('/')[1],
        amountNanos: held,
        currency: 'USD',
        now: new Date(now),
        ttlMs: TTL_MS,
      };
      const decision = await this.decide(root, reserve, now);
      if (decision instanceof BudgetExceededError) {
        await this.emit(
          root.streamId,
          recordDenials([{ requestId, agentId, reason: 'budget_exceeded', policyId: decision.details.policyId, resource, now: new Date(now) }]),
          now,
        );
        continue;
      }
      ok(decision);
      const fate = random();
      if (fate < 0.8) {
        const atMs = now + 500 + Math.floor(random() * 30_000);
        const actual = fate < 0.08 ? held + BigInt(Math.floor(random() * 1_000_000)) + 7n : (held * BigInt(Math.floor(random() * 100))) / 100n;
        const usage = { inputTokens: Math.floor(random() * 4000), outputTokens: Math.floor(random() * 1000), cachedInputTokens: null };
        root.pending.push({ atMs, command: { type: 'SettleSpend', reservationId, amountNanos: actual, usage, pricebookVersion: 'pb-2026-03-01', now: new Date(atMs) } });
      } else if (fate < 0.9) {
        const atMs = now + 2_000;
        root.pending.push({ atMs, command: { type: 'ReleaseReservation', reservationId, reason: 'upstream_error', now: new Date(atMs) } });
      } else {
        // Never settled: the sweeper's ExpireReservations charges the hold.
        const atMs = now + TTL_MS + 1_000;
        root.pending.push({ atMs, command: { type: 'ExpireReservations', now: new Date(atMs) } });
      }
    }
  }
}

function ok<E>(decision: Decision<E>): E[] {
  if (!Array.isArray(decision)) throw decision;
  return decision;
}
