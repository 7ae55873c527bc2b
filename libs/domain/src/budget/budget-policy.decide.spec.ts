import { describe, expect, it } from '@jest/globals';
import { evolveAgent } from '../agent/agent.evolve.js';
import { initialAgentState, type AgentState } from '../agent/agent.state.js';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { Then } from '../testing/index.js';
import type { ChangePolicy, CreatePolicy } from './budget.commands.js';
import type { BudgetEvent } from './budget.events.js';
import { given } from './budget.test-support.js';

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

/** The fields named by the command's refusal as invalid. */
function issueFields(outcome: Then<BudgetEvent>): string[] {
  return outcome.thenRefuses(ValidationError).issues.map((issue) => issue.field);
}

const created = (): BudgetEvent[] => given().when(create()).events();

describe('CreatePolicy', () => {
  it("creates the runbook's policy as version 1, money as decimal strings", () => {
    given().when(create()).then([
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
    expect(given(...created()).state.policies.get('policy-1')).toEqual({
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
    given().when(create({ agentId: 'child', agent: agent('child', 'root') })).thenMatches([{ data: { agentId: 'child' } }]);
  });

  it('refuses an agent of another delegation root (the wrong stream)', () => {
    const refusal = given().when(create({ agentId: 'other', agent: agent('other') })).thenRefuses(ConflictError);
    expect(refusal).toMatchObject({ data: { rootAgentId: 'other' } });
  });

  it('refuses an unknown agent', () => {
    given().when(create({ agentId: 'ghost', agent: initialAgentState })).thenRefuses(NotFoundError);
  });

  it('names every bad field at once', () => {
    expect(issueFields(given().when(create({ limit: '-5', currency: 'usd', timeWindow: 'yearly', windowType: 'sliding', timezone: 'Mars/Olympus', changeReason: '' })))).toEqual(['limit', 'currency', 'timeWindow', 'windowType', 'timezone', 'changeReason']);
  });

  it.each([
    ['0', 'must be greater than 0'],
    ['0.00', 'must be greater than 0'],
    ['1000000000.000000001', 'must be at most 1000000000.00'],
    ['1e3', 'plain decimal'],
    ['100.0000000001', 'at most 9 fraction digits'],
    [100 as unknown as string, 'decimal string'],
  ])('refuses limit %j', (limit, message) => {
    const outcome = given().when(create({ limit }));
    expect(issueFields(outcome)).toEqual(['limit']);
    expect(outcome.thenRefuses(ValidationError).issues[0].message).toContain(message);
  });

  it('accepts the smallest and the largest limit', () => {
    given().when(create({ limit: '0.000000001' })).thenMatches([{ data: { limitNanos: '1', limit: '0.000000001' } }]);
    given().when(create({ limit: '1000000000' })).thenMatches([{ data: { limitNanos: '1000000000000000000', limit: '1000000000.00' } }]);
  });

  it('keeps an IANA zone for calendar windows, in its canonical spelling', () => {
    given().when(create({ timezone: 'Europe/Paris' })).thenMatches([{ data: { timezone: 'Europe/Paris' } }]);
    given().when(create({ timezone: 'europe/paris' })).thenMatches([{ data: { timezone: 'Europe/Paris' } }]);
    given().when(create({ timezone: 'Etc/UTC' })).thenMatches([{ data: { timezone: 'UTC' } }]);
  });

  it.each(['+05:00', 'Z', 'Not/AZone', ''])('refuses timezone %j', (timezone) => {
    expect(issueFields(given().when(create({ timezone })))).toEqual(['timezone']);
  });

  it('refuses a non-UTC zone on rolling and total windows, where it would mean nothing', () => {
    expect(issueFields(given().when(create({ windowType: 'rolling', timezone: 'Europe/Paris' })))).toEqual(['timezone']);
    expect(issueFields(given().when(create({ timeWindow: 'total', timezone: 'Europe/Paris' })))).toEqual(['timezone']);
    expect(given().when(create({ windowType: 'rolling', timezone: 'UTC' })).events()).toHaveLength(1);
  });

  it('a total window is spelled windowType calendar', () => {
    given().when(create({ timeWindow: 'total' })).thenMatches([{ data: { timeWindow: 'total', windowType: 'calendar' } }]);
    expect(issueFields(given().when(create({ timeWindow: 'total', windowType: 'rolling' })))).toEqual(['windowType']);
  });

  it('refuses a second active policy for the same agent, currency and window, naming the first', () => {
    const refusal = given(...created()).when(create({ policyId: 'policy-2', limit: '50', timezone: 'Europe/Paris' })).thenRefuses(ConflictError);
    expect(refusal).toMatchObject({ data: { policyId: 'policy-1' } });
    expect(refusal.message).toContain('policy-1');
  });

  it('allows another currency, window or window type, and a new policy once the old one is deactivated', () => {
    const existing = given(...created());
    expect(existing.when(create({ policyId: 'p2', currency: 'EUR' })).events()).toHaveLength(1);
    expect(existing.when(create({ policyId: 'p3', timeWindow: 'monthly' })).events()).toHaveLength(1);
    expect(existing.when(create({ policyId: 'p4', windowType: 'rolling' })).events()).toHaveLength(1);
    const deactivated = given(...created(), {
      type: 'BudgetPolicyDeactivated',
      schemaVersion: 1,
      data: { policyId: 'policy-1', agentId: 'root', version: 2, changeReason: 'replaced', actor },
    });
    expect(deactivated.when(create({ policyId: 'p5' })).events()).toHaveLength(1);
  });

  it('refuses a policy id that exists', () => {
    given(...created()).when(create({ currency: 'EUR' })).thenRefuses(ConflictError);
  });
});

describe('ChangePolicy', () => {
  it('records a new version carrying the full terms', () => {
    given(...created()).when(change({ limit: '250.5' })).then([
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
    const first = given(...created()).when(change({ limit: '200' })).events();
    const second = given(...created(), ...first).when(change({ timeWindow: 'weekly', timezone: 'America/New_York' })).events();
    expect(second).toMatchObject([{ data: { version: 3, limit: '200.00', timeWindow: 'weekly', timezone: 'America/New_York' } }]);
    expect(given(...created(), ...first, ...second).state.policies.get('policy-1')).toMatchObject({ version: 3, limitNanos: 200_000_000_000n });
  });

  it('records nothing for a change that changes nothing (PATCH is idempotent), but still validates it', () => {
    given(...created()).when(change({ limit: '100.000', currency: 'USD' })).thenNothingHappened();
    given(...created()).when(change()).thenNothingHappened();
    given(...created()).when(change({ changeReason: '' })).thenRefuses(ValidationError);
  });

  it('validates the resulting terms: a calendar zone does not survive a switch to rolling', () => {
    const paris = given().when(create({ timezone: 'Europe/Paris' })).events();
    expect(issueFields(given(...paris).when(change({ windowType: 'rolling' })))).toEqual(['timezone']);
    given(...paris).when(change({ windowType: 'rolling', timezone: 'UTC' })).thenMatches([{ data: { windowType: 'rolling', timezone: 'UTC' } }]);
  });

  it('requires a change reason and valid terms', () => {
    expect(issueFields(given(...created()).when(change({ limit: 'lots', changeReason: '' })))).toEqual(['limit', 'changeReason']);
  });

  it('refuses a change that would duplicate another active policy', () => {
    const euro = given(...created()).when(create({ policyId: 'policy-2', currency: 'EUR' })).events();
    const refusal = given(...created(), ...euro).when(change({ policyId: 'policy-2', currency: 'USD' })).thenRefuses(ConflictError);
    expect(refusal).toMatchObject({ code: 'conflict', data: { policyId: 'policy-1' } });
  });

  it('refuses an unknown or deactivated policy', () => {
    given().when(change({ limit: '1' })).thenRefuses(NotFoundError);
    const deactivated = given(...created(), {
      type: 'BudgetPolicyDeactivated',
      schemaVersion: 1,
      data: { policyId: 'policy-1', agentId: 'root', version: 2, changeReason: 'done', actor },
    });
    deactivated.when(change({ limit: '1' })).thenRefuses(ConflictError);
  });
});

describe('DeactivatePolicy', () => {
  const deactivate = { type: 'DeactivatePolicy', policyId: 'policy-1', changeReason: 'Project over', actor } as const;

  it('deactivates an active policy as a new version', () => {
    const outcome = given(...created()).when(deactivate);
    outcome.then([
      { type: 'BudgetPolicyDeactivated', schemaVersion: 1, data: { policyId: 'policy-1', agentId: 'root', version: 2, changeReason: 'Project over', actor } },
    ]);
    const deactivated = given(...created(), ...outcome.events());
    expect(deactivated.state.policies.get('policy-1')).toMatchObject({ active: false, version: 2 });
    deactivated.when(deactivate).thenRefuses(ConflictError);
  });

  it('requires a reason and refuses an unknown policy', () => {
    expect(issueFields(given(...created()).when({ ...deactivate, changeReason: '' }))).toEqual(['changeReason']);
    given().when(deactivate).thenRefuses(NotFoundError);
  });
});
