import { UnexpectedEventError } from '../errors/unexpected-event-error.js';
import { budgetStreamId } from '../streams.js';
import type { BudgetEvent, PolicyTermsData } from './budget.events.js';
import type { BudgetState, PolicyState } from './budget.state.js';
import type { PolicyTerms } from './policy-terms.js';

/** Applies one budget event. Pure: returns a new state and leaves `state` untouched. */
export function evolveBudget(state: BudgetState, event: BudgetEvent): BudgetState {
  switch (event.type) {
    case 'BudgetPolicyCreated': {
      const { policyId, agentId, version } = event.data;
      return withPolicy(state, { policyId, agentId, version, active: true, ...termsOf(event.data) });
    }
    case 'BudgetPolicyChanged': {
      const policy = policyOf(state, event);
      return withPolicy(state, { ...policy, version: event.data.version, ...termsOf(event.data) });
    }
    case 'BudgetPolicyDeactivated': {
      const policy = policyOf(state, event);
      return withPolicy(state, { ...policy, version: event.data.version, active: false });
    }
    default:
      throw new UnexpectedEventError('budget', (event as { type: string }).type, 'unknown event type');
  }
}

function termsOf(data: PolicyTermsData): PolicyTerms {
  const { currency, timeWindow, windowType, timezone } = data;
  return { limitNanos: BigInt(data.limitNanos), currency, timeWindow, windowType, timezone };
}

function policyOf(state: BudgetState, event: BudgetEvent): PolicyState {
  const policy = state.policies.get(event.data.policyId);
  // Only a corrupted or mis-routed stream changes a policy it never created.
  if (policy === undefined) {
    throw new UnexpectedEventError(budgetStreamId(state.rootAgentId), event.type, `unknown policy ${event.data.policyId}`);
  }
  return policy;
}

function withPolicy(state: BudgetState, policy: PolicyState): BudgetState {
  return { ...state, policies: new Map(state.policies).set(policy.policyId, policy) };
}
