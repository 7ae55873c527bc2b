import { describe, expect, it } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFileSync, readdirSync } from 'node:fs';
import type { Decision } from './decision.js';
import {
  decideAgent,
  decideAllowlist,
  decideBudgetPolicy,
  decideReservation,
  recordDenials,
  evolveAgent,
  evolveAllowlist,
  evolveBudget,
  initialAgentState,
  initialAllowlistState,
  initialBudgetState,
  type AgentCommand,
  type AgentEvent,
  type AgentState,
  type AllowlistCommand,
  type AllowlistEvent,
  type BudgetEvent,
  type BudgetPolicyCommand,
  type ReservationCommand,
  type DomainEvent,
  decidePricebook,
  initialPricebookState,
} from './index.js';

// Listing every type as a key of a Record over the union makes the compiler check the list is complete.
const EVENT_TYPES: Record<DomainEvent['type'], true> = {
  AgentRegistered: true,
  AgentUpdated: true,
  AgentSuspended: true,
  AgentReactivated: true,
  AgentKeyIssued: true,
  AgentKeyRevoked: true,
  BudgetPolicyCreated: true,
  BudgetPolicyChanged: true,
  BudgetPolicyDeactivated: true,
  SpendReserved: true,
  SpendSettled: true,
  ReservationReleased: true,
  ReservationExpired: true,
  SpendDenied: true,
  AllowlistEntryAdded: true,
  AllowlistEntryRemoved: true,
  PricebookPublished: true,
};

const SCHEMA_DIR = new URL('../../../schemas/events/', import.meta.url);
const actor = 'admin@example.com';

function events<E>(decision: Decision<E>): E[] {
  if (!Array.isArray(decision)) throw decision;
  return decision;
}

/** Runs commands through decide and evolve, as a handler would, and returns every event decided. */
function runAgent(state: AgentState, commands: AgentCommand[]): { state: AgentState; events: AgentEvent[] } {
  const recorded: AgentEvent[] = [];
  for (const command of commands) {
    const decided = events(decideAgent(state, command));
    state = decided.reduce(evolveAgent, state);
    recorded.push(...decided);
  }
  return { state, events: recorded };
}

function producedEvents(): DomainEvent[] {
  const hash = (c: string) => c.repeat(64);
  const root = runAgent(initialAgentState, [
    {
      type: 'RegisterAgent',
      agentId: 'root',
      name: 'my-agent',
      description: 'My AI agent',
      owner: 'user@example.com',
      parentAgentId: null,
      parent: null,
      metadata: { team: 'research', 'cost-center': '42' },
      initialKey: { keyId: 'key-1', keyHash: hash('1') },
      actor,
    },
    { type: 'UpdateAgent', agentId: 'root', name: 'renamed', description: '', metadata: {}, actor },
    { type: 'UpdateAgent', agentId: 'root', description: 'Ünïcode description ✓', actor },
    { type: 'SuspendAgent', agentId: 'root', reason: 'runaway spend', actor },
    { type: 'ReactivateAgent', agentId: 'root', actor },
    { type: 'IssueAgentKey', agentId: 'root', keyId: 'key-2', keyHash: hash('2'), actor },
    { type: 'RotateAgentKey', agentId: 'root', oldKeyId: 'key-1', newKeyId: 'key-3', newKeyHash: hash('3'), actor },
    { type: 'RevokeAgentKey', agentId: 'root', keyId: 'key-2', actor },
  ]);
  const child = runAgent(initialAgentState, [
    {
      type: 'RegisterAgent',
      agentId: 'child',
      name: 'child',
      description: '',
      owner: 'svc:robot',
      parentAgentId: 'root',
      parent: root.state,
      metadata: {},
      initialKey: { keyId: 'key-c', keyHash: hash('c') },
      actor,
    },
  ]);

  const budgetCommands: BudgetPolicyCommand[] = [
    {
      type: 'CreatePolicy',
      policyId: 'p1',
      agentId: 'root',
      agent: root.state,
      limit: '100.00',
      currency: 'USD',
      timeWindow: 'daily',
      windowType: 'calendar',
      changeReason: 'Initial budget allocation',
      actor,
    },
    {
      type: 'CreatePolicy',
      policyId: 'p2',
      agentId: 'child',
      agent: child.state,
      limit: '0.000000001',
      currency: 'EUR',
      timeWindow: 'monthly',
      windowType: 'calendar',
      timezone: 'Europe/Paris',
      changeReason: 'Carve-out',
      actor,
    },
    {
      type: 'CreatePolicy',
      policyId: 'p3',
      agentId: 'root',
      agent: root.state,
      limit: '1000000000',
      currency: 'USD',
      timeWindow: 'total',
      windowType: 'calendar',
      changeReason: 'Lifetime cap',
      actor,
    },
    { type: 'ChangePolicy', policyId: 'p1', limit: '250.5', changeReason: 'More headroom', actor },
    { type: 'ChangePolicy', policyId: 'p2', windowType: 'rolling', timeWindow: 'hourly', timezone: 'UTC', changeReason: 'Smoother', actor },
    { type: 'DeactivatePolicy', policyId: 'p3', changeReason: 'Not needed', actor },
  ];
  let budget = initialBudgetState('root');
  const budgetEvents: BudgetEvent[] = [];
  for (const command of budgetCommands) {
    const decided = events(decideBudgetPolicy(budget, command));
    budget = decided.reduce(evolveBudget, budget);
    budgetEvents.push(...decided);
  }
  const chain = [
    { agentId: 'root', status: 'active' as const },
    { agentId: 'child', status: 'active' as const },
  ];
  const at = (minutes: number) => new Date(Date.UTC(2026, 2, 8, 12, minutes));
  const reserve = (reservationId: string, model: string | null, minutes: number): ReservationCommand => ({
    type: 'ReserveSpend',
    reservationId,
    requestId: `req-${reservationId}`,
    agentId: 'child',
    agentChain: chain,
    resource: model === null ? 'https://api.example.com/v1/search' : `openai/${model}`,
    model,
    amountNanos: 10_000_000n,
    currency: 'USD',
    now: at(minutes),
    ttlMs: 60_000,
  });
  const reservationCommands: ReservationCommand[] = [
    reserve('r1', 'gpt-4o-mini', 0),
    reserve('r2', null, 1),
    reserve('r3', 'gpt-4o', 2),
    { type: 'SettleSpend', reservationId: 'r1', amountNanos: 12_500_000n, usage: { inputTokens: 1200, outputTokens: 300, cachedInputTokens: null }, pricebookVersion: '2026-03-01', now: at(1) },
    { type: 'ReleaseReservation', reservationId: 'r2', reason: 'upstream_error', now: at(2) },
    { type: 'ExpireReservations', now: at(10) },
  ];
  for (const command of reservationCommands) {
    const decided = events(decideReservation(budget, command));
    budget = decided.reduce(evolveBudget, budget);
    budgetEvents.push(...decided);
  }
  budgetEvents.push(
    ...recordDenials([
      { requestId: 'req-d1', agentId: 'child', reason: 'budget_exceeded', policyId: 'p1', resource: 'openai/gpt-4o', now: at(11) },
      { requestId: 'req-d2', agentId: 'child', reason: 'resource_not_allowed', policyId: null, resource: 'https://evil.example/', now: at(12) },
    ]),
  );

  const allowlistCommands: AllowlistCommand[] = [
    { type: 'AddAllowlistEntry', entryId: 'e1', agentId: 'root', agent: root.state, pattern: 'https://api.anthropic.com/*', patternType: 'glob', actor },
    { type: 'AddAllowlistEntry', entryId: 'e2', agentId: 'root', agent: root.state, pattern: '^https://api\\.openai\\.com/.*$', patternType: 'regex', actor },
    { type: 'RemoveAllowlistEntry', entryId: 'e1', actor },
  ];
  let allowlist = initialAllowlistState('root');
  const allowlistEvents: AllowlistEvent[] = [];
  for (const command of allowlistCommands) {
    const decided = events(decideAllowlist(allowlist, command));
    allowlist = decided.reduce(evolveAllowlist, allowlist);
    allowlistEvents.push(...decided);
  }

  const pricebookEvents = events(decidePricebook(initialPricebookState, {
    type: 'PublishPricebook', version: '2026-03-01', document: { version: '2026-03-01', currency: 'USD', models: [] }, actor,
  }));

  return [...root.events, ...child.events, ...budgetEvents, ...allowlistEvents, ...pricebookEvents];
}

describe('event schemas', () => {
  const files = readdirSync(SCHEMA_DIR).filter((file) => file.endsWith('.schema.json'));
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  for (const file of files) ajv.addSchema(JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')), file);
  const produced = producedEvents();

  it('there is exactly one schema per event type and version', () => {
    expect(files.sort()).toEqual(Object.keys(EVENT_TYPES).map((type) => `${type}.v1.schema.json`).sort());
  });

  it('the scenarios produce every event type', () => {
    expect(new Set(produced.map((event) => event.type))).toEqual(new Set(Object.keys(EVENT_TYPES)));
  });

  it.each(produced.map((event, index) => [index, event.type, event] as const))('event %i (%s) validates against its schema', (_index, type, event) => {
    const validate = ajv.getSchema(`${type}.v${event.schemaVersion}.schema.json`);
    expect(validate).toBeDefined();
    const valid = validate!(event.data);
    expect(validate!.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('event data is plain JSON: survives a JSON round trip unchanged (no bigint, no undefined)', () => {
    for (const event of produced) {
      expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    }
  });

  it('the schemas refuse extra properties and money as a number', () => {
    const created = produced.find((event) => event.type === 'BudgetPolicyCreated')!;
    const validate = ajv.getSchema('BudgetPolicyCreated.v1.schema.json')!;
    expect(validate({ ...created.data, extra: true })).toBe(false);
    expect(validate({ ...created.data, limitNanos: 100000000000 })).toBe(false);
  });
});
