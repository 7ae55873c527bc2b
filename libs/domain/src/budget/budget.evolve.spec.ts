import { describe, expect, it } from '@jest/globals';
import { UnexpectedEventError } from '../errors/unexpected-event-error.js';
import type { BudgetEvent } from './budget.events.js';
import { evolveBudget } from './budget.evolve.js';
import { initialBudgetState } from './budget.state.js';

const actor = 'admin@example.com';
const created: BudgetEvent = {
  type: 'BudgetPolicyCreated',
  schemaVersion: 1,
  data: {
    policyId: 'p1',
    agentId: 'root',
    version: 1,
    limitNanos: '100000000000',
    limit: '100.00',
    currency: 'USD',
    timeWindow: 'daily',
    windowType: 'calendar',
    timezone: 'UTC',
    changeReason: 'initial',
    actor,
  },
};

describe('evolveBudget', () => {
  it('reads the limit from limitNanos into a bigint', () => {
    expect(evolveBudget(initialBudgetState('root'), created).policies.get('p1')?.limitNanos).toBe(100_000_000_000n);
  });

  it('never mutates the state it is given', () => {
    const empty = initialBudgetState('root');
    evolveBudget(empty, created);
    expect(empty.policies.size).toBe(0);
  });

  it('refuses events it cannot apply', () => {
    const deactivate: BudgetEvent = {
      type: 'BudgetPolicyDeactivated',
      schemaVersion: 1,
      data: { policyId: 'ghost', agentId: 'root', version: 2, changeReason: 'x', actor },
    };
    expect(() => evolveBudget(initialBudgetState('root'), deactivate)).toThrow(UnexpectedEventError);
    expect(() => evolveBudget(initialBudgetState('root'), { type: 'SpendTeleported' } as unknown as BudgetEvent)).toThrow(UnexpectedEventError);
  });
});
