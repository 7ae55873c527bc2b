import type { AgentState } from '../agent/agent.state.js';

// Enumerations and amounts are plain strings here: they arrive from the API and the domain
// checks them (see policy-terms.ts).

export interface CreatePolicy {
  type: 'CreatePolicy';
  policyId: string;
  agentId: string;
  /** The agent's current state, loaded by the handler. */
  agent: AgentState;
  /** Decimal string, e.g. "100.00". */
  limit: string;
  currency: string;
  timeWindow: string;
  windowType: string;
  /** IANA zone for calendar windows; defaults to UTC. */
  timezone?: string;
  changeReason: string;
  actor: string;
}

/** Omitted terms keep their current value. */
export interface ChangePolicy {
  type: 'ChangePolicy';
  policyId: string;
  limit?: string;
  currency?: string;
  timeWindow?: string;
  windowType?: string;
  timezone?: string;
  changeReason: string;
  actor: string;
}

export interface DeactivatePolicy {
  type: 'DeactivatePolicy';
  policyId: string;
  changeReason: string;
  actor: string;
}

export type BudgetPolicyCommand = CreatePolicy | ChangePolicy | DeactivatePolicy;
