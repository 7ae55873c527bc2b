// Test support: budget event sequences built through the domain's decide functions (never by
// hand), as the gateway would record them on one budget stream. Not exported by the library.
import { randomUUID } from 'node:crypto';
import {
  BudgetExceededError,
  budgetStreamId,
  decideBudgetPolicy,
  decideReservation,
  evolveBudgetAll,
  initialAgentState,
  initialBudgetState,
  recordDenials,
  type AgentState,
  type BudgetEvent,
  type BudgetState,
  type ChainAgent,
  type Decision,
  type ReservationCommand,
  type SpendDenial,
} from '@caracal/domain';
import type { NewEvent, RecordedEvent } from '@caracal/event-store';

export interface ScenarioPolicy {
  policyId: string;
  agentId: string;
  currency: string;
  timezone: string;
}

export interface BudgetScenario {
  rootAgentId: string;
  agents: { root: string; child: string; grandchild: string; sibling: string };
  streamId: string;
  /** Every event in stream order (policies, holds, charges, releases, expiries, denials). */
  events: BudgetEvent[];
  /** The domain's state after all of them. */
  state: BudgetState;
  policies: ScenarioPolicy[];
  startMs: number;
  endMs: number;
}

/** A small deterministic PRNG (mulberry32): the same seed builds the same scenario shape. */
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

export interface ScenarioOptions {
  seed?: number;
  reservations?: number;
  /** First reservation time; default 2026-03-09T17:00:00Z (spans UTC and Kolkata midnights). */
  start?: Date;
}

/**
 * Agents root → child → grandchild and root → sibling; daily calendar policies in UTC (root),
 * Asia/Kolkata (child, USD) and EUR (sibling, small: it produces budget_exceeded denials).
 * Reservations every 1–40 minutes over about three days, each settled (sometimes above the hold,
 * sometimes after a midnight), released, or left to expire; plus allowlist denials.
 */
export function buildBudgetScenario(options: ScenarioOptions = {}): BudgetScenario {
  const random = prng(options.seed ?? 42);
  const agents = { root: randomUUID(), child: randomUUID(), grandchild: randomUUID(), sibling: randomUUID() };
  const chain = (...ids: string[]): ChainAgent[] => ids.map((agentId) => ({ agentId, status: 'active' }));
  const chains: Record<keyof typeof agents, ChainAgent[]> = {
    root: chain(agents.root),
    child: chain(agents.root, agents.child),
    grandchild: chain(agents.root, agents.child, agents.grandchild),
    sibling: chain(agents.root, agents.sibling),
  };

  let state = initialBudgetState(agents.root);
  const events: BudgetEvent[] = [];
  const record = (decision: Decision<BudgetEvent>): BudgetEvent[] => {
    if (!Array.isArray(decision)) throw decision;
    state = evolveBudgetAll(state, decision);
    events.push(...decision);
    return decision;
  };

  const policies: ScenarioPolicy[] = [
    { policyId: randomUUID(), agentId: agents.root, currency: 'USD', timezone: 'UTC' },
    { policyId: randomUUID(), agentId: agents.child, currency: 'USD', timezone: 'Asia/Kolkata' },
    { policyId: randomUUID(), agentId: agents.sibling, currency: 'EUR', timezone: 'UTC' },
    { policyId: randomUUID(), agentId: agents.root, currency: 'EUR', timezone: 'Asia/Kolkata' },
  ];
  const limits = ['1000000', '1000000', '3.50', '1000000'];
  policies.forEach((policy, i) => {
    record(
      decideBudgetPolicy(state, {
        type: 'CreatePolicy',
        policyId: policy.policyId,
        agentId: policy.agentId,
        agent: agentState(policy.agentId, agents.root, chains),
        limit: limits[i],
        currency: policy.currency,
        timeWindow: 'daily',
        windowType: 'calendar',
        timezone: policy.timezone,
        changeReason: 'scenario',
        actor: 'test@example.com',
      }),
    );
  });

  const startMs = (options.start ?? new Date('2026-03-09T17:00:00Z')).getTime();
  // A timeline of commands, decided in time order (the domain takes `now` from the command).
  const timeline: { atMs: number; command: ReservationCommand | { type: 'Deny'; denial: SpendDenial } }[] = [];
  let t = startMs;
  const count = options.reservations ?? 160;
  const who: (keyof typeof agents)[] = ['root', 'child', 'grandchild', 'sibling'];
  for (let i = 0; i < count; i++) {
    t += Math.floor(1 + random() * 40 * 60) * 1000 + Math.floor(random() * 1000);
    const agent = who[Math.floor(random() * who.length)];
    const currency = agent === 'sibling' || random() < 0.15 ? 'EUR' : 'USD';
    const reservationId = randomUUID();
    // Odd nano amounts: totals must be exact to the nano.
    const held = BigInt(Math.floor(random() * 2_000_000_000)) + 1n;
    timeline.push({
      atMs: t,
      command: {
        type: 'ReserveSpend',
        reservationId,
        requestId: `req-${i}`,
        agentId: agents[agent],
        agentChain: chains[agent],
        resource: agent === 'sibling' ? 'https://api.example.com/v1/search' : 'openai/gpt-4o-mini',
        model: agent === 'sibling' ? null : 'gpt-4o-mini',
        amountNanos: held,
        currency,
        now: new Date(t),
        ttlMs: 60_000,
      },
    });
    const fate = random();
    if (fate < 0.7) {
      const actual = fate < 0.1 ? held + BigInt(Math.floor(random() * 100_000_000)) + 7n : (held * BigInt(Math.floor(random() * 100))) / 100n;
      timeline.push({
        atMs: t + 1000 + Math.floor(random() * 50_000),
        command: {
          type: 'SettleSpend',
          reservationId,
          amountNanos: actual,
          usage: { inputTokens: Math.floor(random() * 1000), outputTokens: Math.floor(random() * 500), cachedInputTokens: null },
          pricebookVersion: 'pb-2026-03-01',
          now: new Date(t + 1000 + Math.floor(random() * 50_000)),
        },
      });
    } else if (fate < 0.8) {
      timeline.push({ atMs: t + 2000, command: { type: 'ReleaseReservation', reservationId, reason: 'upstream_error', now: new Date(t + 2000) } });
    } else if (fate < 0.92) {
      timeline.push({ atMs: t + 61_000 + Math.floor(random() * 5000), command: { type: 'ExpireReservations', now: new Date(t + 65_000) } });
    } else {
      timeline.push({
        atMs: t + 500,
        command: {
          type: 'Deny',
          denial: { requestId: `req-denied-${i}`, agentId: agents[agent], reason: 'resource_not_allowed', policyId: null, resource: 'https://evil.example.com/', now: new Date(t + 500) },
        },
      });
    }
  }
  // Whatever is still open expires at the end.
  const endMs = t + 24 * 60 * 60_000;
  timeline.push({ atMs: endMs, command: { type: 'ExpireReservations', now: new Date(endMs) } });
  timeline.sort((a, b) => a.atMs - b.atMs);

  for (const { command } of timeline) {
    if (command.type === 'Deny') {
      record(recordDenials([command.denial]));
      continue;
    }
    const decision = decideReservation(state, command);
    if (decision instanceof BudgetExceededError && command.type === 'ReserveSpend') {
      record(
        recordDenials([
          { requestId: command.requestId, agentId: command.agentId, reason: 'budget_exceeded', policyId: decision.details.policyId, resource: command.resource, now: command.now },
        ]),
      );
    } else if (Array.isArray(decision)) {
      record(decision);
    } else if (command.type === 'ReserveSpend') {
      throw decision;
    }
    // A settle of a hold that already expired is refused by the domain: nothing to record.
  }
  return { rootAgentId: agents.root, agents, streamId: budgetStreamId(agents.root), events, state, policies, startMs, endMs };
}

function agentState(agentId: string, rootAgentId: string, chains: Record<string, ChainAgent[]>): AgentState {
  const chain = Object.values(chains).find((c) => c[c.length - 1].agentId === agentId) as ChainAgent[];
  return {
    ...initialAgentState,
    status: 'active',
    agentId,
    name: agentId,
    owner: 'test',
    rootAgentId,
    parentAgentId: chain.length > 1 ? chain[chain.length - 2].agentId : null,
    ancestorIds: chain.slice(0, -1).map((c) => c.agentId),
    version: 1,
  };
}

/** The events as new events to append (fresh event ids). */
export function toNewEvents(events: readonly BudgetEvent[]): NewEvent[] {
  return events.map((event) => ({
    eventId: randomUUID(),
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data as unknown as Record<string, unknown>,
    metadata: { actor: 'test' },
  }));
}

/** RecordedEvent-like objects with increasing global positions, without a store. */
export function toRecordedEvents(streamId: string, events: readonly BudgetEvent[], firstPosition = 1n): RecordedEvent[] {
  return toNewEvents(events).map((event, i) => ({
    ...event,
    streamId,
    streamPosition: BigInt(i + 1),
    globalPosition: firstPosition + BigInt(i),
    transactionId: 1000n + BigInt(i),
    recordedAt: new Date(Date.parse(String((event.data as { occurredAt?: string }).occurredAt ?? '2026-03-09T00:00:00Z')) + 5),
  }));
}
