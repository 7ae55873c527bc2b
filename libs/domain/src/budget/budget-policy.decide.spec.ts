import { describe, expect, it } from '@jest/globals';
import { evolveAgent } from '../agent/agent.evolve.js';
import { initialAgentState, type AgentState } from '../agent/agent.state.js';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { decideBudgetPolicy } from './budget-policy.decide.js';
import type { ChangePolicy, CreatePolicy } from './budget.commands.js';
import type { BudgetEvent } from './budget.events.js';
import { evolveBudget } from './budget.evolve.js';
import { initialBudgetState, type BudgetState } from './budget.state.js';

const actor = 'admin@example.com';

function agent(agentId: string, rootAgentId = agentId): AgentState {
  return evolveAgent(initialAgentState, {
    type: 'AgentRegistered',
    schemaVersion: 1,
    data: {
      agentId,
      name: agentId,
      description: '',
      owner: 'user@example.com',
      parentAgentId: agentId === rootAgentId ? null : rootAgentId,
      rootAgentId,
      ancestorIds: agentId === rootAgentId ? [] : [rootAgentId],
      metadata: {},
      actor,
    },
  });
}

function given(...events: BudgetEvent[]): BudgetState {
  return events.reduce(evolveBudget, initialBudgetState('root'));
}

/** The runbook's policy: caracal policy create --limit 100.00 --currency USD --time-window daily … */
function create(overrides: Partial<CreatePolicy> = {}): CreatePolicy {
  return {
    type: 'CreatePolicy',
    policyId: 'policy-1',
    agentId: 'root',
    agent: agent('root'),
    limit: '100.00',
    currency: 'USD',
    timeWindow: 'daily',
    windowType: 'calendar',
    changeReason: 'Initial budget allocation',
    actor,
    ...overrides,
  };
}

function change(overrides: Partial<ChangePolicy> = {}): ChangePolicy {
  return { type: 'ChangePolicy', policyId: 'policy-1', changeReason: 'More headroom', actor, ...overrides };
}

function decided(state: BudgetState, command: CreatePolicy | ChangePolicy): BudgetEvent[] {
  const decision = decideBudgetPolicy(state, command);
  if (!Array.isArray(decision)) throw decision;
  return decision;
}

function issueFields(decision: unknown): string[] {
  expect(decision).toBeInstanceOf(ValidationError);
  return (decision as ValidationError).issues.map((issue) => issue.field);
}

const created = (): BudgetEvent[] => decided(given(), create());

describe('CreatePolicy', () => {
  it("creates the runbook's policy as version 1, money as decimal strings", () => {
    expect(decideBudgetPolicy(given(), create())).toEqual([
      {
        type: 'BudgetPolicyCreated',
        schemaVersion: 1,
        data: {
          policyId: 'policy-1',
          agentId: 'root',
          version: 1,
          limitNanos: '100000000000',
          limit: '100.00',
          currency: 'USD',
          timeWindow: 'daily',
          windowType: 'calendar',
          timezone: 'UTC',
          changeReason: 'Initial budget allocation',
          actor,
        },
      },
    ]);
    expect(given(...created()).policies.get('policy-1')).toEqual({
      policyId: 'policy-1',
      agentId: 'root',
      limitNanos: 100_000_000_000n,
      currency: 'USD',
      timeWindow: 'daily',
      windowType: 'calendar',
      timezone: 'UTC',
      active: true,
      version: 1,
    });
  });

  it('creates a policy for a descendant on the root stream', () => {
    const decision = decideBudgetPolicy(given(), create({ agentId: 'child', agent: agent('child', 'root') }));
    expect(decision).toMatchObject([{ data: { agentId: 'child' } }]);
  });

  it('refuses an agent of another delegation root (the wrong stream)', () => {
    const decision = decideBudgetPolicy(given(), create({ agentId: 'other', agent: agent('other') }));
    expect(decision).toBeInstanceOf(ConflictError);
    expect(decision).toMatchObject({ data: { rootAgentId: 'other' } });
  });

  it('refuses an unknown agent', () => {
    expect(decideBudgetPolicy(given(), create({ agentId: 'ghost', agent: initialAgentState }))).toBeInstanceOf(NotFoundError);
  });

  it('names every bad field at once', () => {
    const decision = decideBudgetPolicy(
      given(),
      create({ limit: '-5', currency: 'usd', timeWindow: 'yearly', windowType: 'sliding', timezone: 'Mars/Olympus', changeReason: '' }),
    );
    expect(issueFields(decision)).toEqual(['limit', 'currency', 'timeWindow', 'windowType', 'timezone', 'changeReason']);
  });

  it.each([
    ['0', 'must be greater than 0'],
    ['0.00', 'must be greater than 0'],
    ['1000000000.000000001', 'must be at most 1000000000.00'],
    ['1e3', 'plain decimal'],
    ['100.0000000001', 'at most 9 fraction digits'],
    [100 as unknown as string, 'decimal string'],
  ])('refuses limit %j', (limit, message) => {
    const decision = decideBudgetPolicy(given(), create({ limit }));
    expect(issueFields(decision)).toEqual(['limit']);
    expect((decision as ValidationError).issues[0].message).toContain(message);
  });

  it('accepts the smallest and the largest limit', () => {
    expect(decided(given(), create({ limit: '0.000000001' }))).toMatchObject([{ data: { limitNanos: '1', limit: '0.000000001' } }]);
    expect(decided(given(), create({ limit: '1000000000' }))).toMatchObject([{ data: { limitNanos: '1000000000000000000', limit: '1000000000.00' } }]);
  });

  it('keeps an IANA zone for calendar windows, in its canonical spelling', () => {
    expect(decided(given(), create({ timezone: 'Europe/Paris' }))).toMatchObject([{ data: { timezone: 'Europe/Paris' } }]);
    expect(decided(given(), create({ timezone: 'europe/paris' }))).toMatchObject([{ data: { timezone: 'Europe/Paris' } }]);
    expect(decided(given(), create({ timezone: 'Etc/UTC' }))).toMatchObject([{ data: { timezone: 'UTC' } }]);
  });

  it.each(['+05:00', 'Z', 'Not/AZone', ''])('refuses timezone %j', (timezone) => {
    expect(issueFields(decideBudgetPolicy(given(), create({ timezone })))).toEqual(['timezone']);
  });

  it('refuses a non-UTC zone on rolling and total windows, where it would mean nothing', () => {
    expect(issueFields(decideBudgetPolicy(given(), create({ windowType: 'rolling', timezone: 'Europe/Paris' })))).toEqual(['timezone']);
    expect(issueFields(decideBudgetPolicy(given(), create({ timeWindow: 'total', timezone: 'Europe/Paris' })))).toEqual(['timezone']);
    expect(decided(given(), create({ windowType: 'rolling', timezone: 'UTC' }))).toHaveLength(1);
  });

  it('a total window is spelled windowType calendar', () => {
    expect(decided(given(), create({ timeWindow: 'total' }))).toMatchObject([{ data: { timeWindow: 'total', windowType: 'calendar' } }]);
    expect(issueFields(decideBudgetPolicy(given(), create({ timeWindow: 'total', windowType: 'rolling' })))).toEqual(['windowType']);
  });

  it('refuses a second active policy for the same agent, currency and window, naming the first', () => {
    const decision = decideBudgetPolicy(given(...created()), create({ policyId: 'policy-2', limit: '50', timezone: 'Europe/Paris' }));
    expect(decision).toBeInstanceOf(ConflictError);
    expect(decision).toMatchObject({ data: { policyId: 'policy-1' } });
    expect((decision as ConflictError).message).toContain('policy-1');
  });

  it('allows another currency, window or window type, and a new policy once the old one is deactivated', () => {
    const state = given(...created());
    expect(decided(state, create({ policyId: 'p2', currency: 'EUR' }))).toHaveLength(1);
    expect(decided(state, create({ policyId: 'p3', timeWindow: 'monthly' }))).toHaveLength(1);
    expect(decided(state, create({ policyId: 'p4', windowType: 'rolling' }))).toHaveLength(1);
    const deactivated = given(...created(), {
      type: 'BudgetPolicyDeactivated',
      schemaVersion: 1,
      data: { policyId: 'policy-1', agentId: 'root', version: 2, changeReason: 'replaced', actor },
    });
    expect(decided(deactivated, create({ policyId: 'p5' }))).toHaveLength(1);
  });

  it('refuses a policy id that exists', () => {
    expect(decideBudgetPolicy(given(...created()), create({ currency: 'EUR' }))).toBeInstanceOf(ConflictError);
  });
});

describe('ChangePolicy', () => {
  it('records a new version carrying the full terms', () => {
    expect(decideBudgetPolicy(given(...created()), change({ limit: '250.5' }))).toEqual([
      {
        type: 'BudgetPolicyChanged',
        schemaVersion: 1,
        data: {
          policyId: 'policy-1',
          agentId: 'root',
          version: 2,
          limitNanos: '250500000000',
          limit: '250.50',
          currency: 'USD',
          timeWindow: 'daily',
          windowType: 'calendar',
          timezone: 'UTC',
          changeReason: 'More headroom',
          actor,
        },
      },
    ]);
  });

  it('versions count up across changes', () => {
    const first = decided(given(...created()), change({ limit: '200' }));
    const second = decided(given(...created(), ...first), change({ timeWindow: 'weekly', timezone: 'America/New_York' }));
    expect(second).toMatchObject([{ data: { version: 3, limit: '200.00', timeWindow: 'weekly', timezone: 'America/New_York' } }]);
    expect(given(...created(), ...first, ...second).policies.get('policy-1')).toMatchObject({ version: 3, limitNanos: 200_000_000_000n });
  });

  it('records nothing for a change that changes nothing (PATCH is idempotent), but still validates it', () => {
    expect(decideBudgetPolicy(given(...created()), change({ limit: '100.000', currency: 'USD' }))).toEqual([]);
    expect(decideBudgetPolicy(given(...created()), change())).toEqual([]);
    expect(decideBudgetPolicy(given(...created()), change({ changeReason: '' }))).toBeInstanceOf(ValidationError);
  });

  it('validates the resulting terms: a calendar zone does not survive a switch to rolling', () => {
    const paris = decided(given(), create({ timezone: 'Europe/Paris' }));
    expect(issueFields(decideBudgetPolicy(given(...paris), change({ windowType: 'rolling' })))).toEqual(['timezone']);
    expect(decided(given(...paris), change({ windowType: 'rolling', timezone: 'UTC' }))).toMatchObject([{ data: { windowType: 'rolling', timezone: 'UTC' } }]);
  });

  it('requires a change reason and valid terms', () => {
    expect(issueFields(decideBudgetPolicy(given(...created()), change({ limit: 'lots', changeReason: '' })))).toEqual(['limit', 'changeReason']);
  });

  it('refuses a change that would duplicate another active policy', () => {
    const euro = decided(given(...created()), create({ policyId: 'policy-2', currency: 'EUR' }));
    const decision = decideBudgetPolicy(given(...created(), ...euro), change({ policyId: 'policy-2', currency: 'USD' }));
    expect(decision).toMatchObject({ code: 'conflict', data: { policyId: 'policy-1' } });
  });

  it('refuses an unknown or deactivated policy', () => {
    expect(decideBudgetPolicy(given(), change({ limit: '1' }))).toBeInstanceOf(NotFoundError);
    const deactivated = given(...created(), {
      type: 'BudgetPolicyDeactivated',
      schemaVersion: 1,
      data: { policyId: 'policy-1', agentId: 'root', version: 2, changeReason: 'done', actor },
    });
    expect(decideBudgetPolicy(deactivated, change({ limit: '1' }))).toBeInstanceOf(ConflictError);
  });
});

describe('DeactivatePolicy', () => {
  const deactivate = { type: 'DeactivatePolicy', policyId: 'policy-1', changeReason: 'Project over', actor } as const;

  it('deactivates an active policy as a new version', () => {
    const decision = decideBudgetPolicy(given(...created()), deactivate);
    expect(decision).toEqual([
      { type: 'BudgetPolicyDeactivated', schemaVersion: 1, data: { policyId: 'policy-1', agentId: 'root', version: 2, changeReason: 'Project over', actor } },
    ]);
    const state = given(...created(), ...(decision as BudgetEvent[]));
    expect(state.policies.get('policy-1')).toMatchObject({ active: false, version: 2 });
    expect(decideBudgetPolicy(state, deactivate)).toBeInstanceOf(ConflictError);
  });

  it('requires a reason and refuses an unknown policy', () => {
    expect(issueFields(decideBudgetPolicy(given(...created()), { ...deactivate, changeReason: '' }))).toEqual(['changeReason']);
    expect(decideBudgetPolicy(given(), deactivate)).toBeInstanceOf(NotFoundError);
  });
});
