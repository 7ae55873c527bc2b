import type { PolicyTerms } from './policy-terms.js';
import type { SpendHistory } from './spend-history.js';

export interface PolicyState extends PolicyTerms {
  policyId: string;
  agentId: string;
  active: boolean;
  /** 1 at creation, +1 for every change or deactivation. */
  version: number;
}

/** A hold that has not been settled, released or expired yet. */
export interface OpenReservation {
  reservationId: string;
  agentId: string;
  /** Root first, ending with agentId: every subtree the hold (and later the charge) counts in. */
  agentPath: readonly string[];
  requestId: string;
  resource: string;
  model: string | null;
  amountNanos: bigint;
  currency: string;
  policyIds: readonly string[];
  occurredAtMs: number;
  expiresAtMs: number;
}

/** The budget stream of one delegation root: the policies of the root and all its descendants. */
export interface BudgetState {
  rootAgentId: string;
  policies: ReadonlyMap<string, PolicyState>;
  /**
   * Open holds by reservation id. Only what is open: a resolved reservation leaves no trace in the
   * state, so its size follows the holds in flight, never the traffic a budget has seen. That a
   * reservation resolves once is the event store's to guarantee (docs/domain.md).
   */
  reservations: ReadonlyMap<string, OpenReservation>;
  /** Sum of open holds per subtree and currency, keyed by spendKey(currency, agentId). */
  held: ReadonlyMap<string, bigint>;
  /** Charged spend per subtree and currency, keyed by spendKey(currency, agentId). */
  spend: ReadonlyMap<string, SpendHistory>;
  /** The latest occurredAt applied (epoch ms); drives pruning. 0 before any reservation event. */
  clockMs: number;
}

export function initialBudgetState(rootAgentId: string): BudgetState {
  return { rootAgentId, policies: new Map(), reservations: new Map(), held: new Map(), spend: new Map(), clockMs: 0 };
}

/** The key of a subtree's held and spend sums: an agent (with its descendants) in one currency. */
export function spendKey(currency: string, agentId: string): string {
  return `${currency}:${agentId}`;
}
