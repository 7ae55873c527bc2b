import type { PolicyTerms } from './policy-terms.js';

export interface PolicyState extends PolicyTerms {
  policyId: string;
  agentId: string;
  active: boolean;
  /** 1 at creation, +1 for every change or deactivation. */
  version: number;
}

/** The budget stream of one delegation root: the policies of the root and all its descendants. */
export interface BudgetState {
  rootAgentId: string;
  policies: ReadonlyMap<string, PolicyState>;
}

export function initialBudgetState(rootAgentId: string): BudgetState {
  return { rootAgentId, policies: new Map() };
}
