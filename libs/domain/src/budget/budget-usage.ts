import { spendKey, type BudgetState, type PolicyState } from './budget.state.js';
import type { ChainAgent } from './reservation.commands.js';
import { emptySpendHistory, spentBetween } from './spend-history.js';
import { spendWindow } from './spend-window.js';

/** Where a policy stands at an instant. Money in nano-units; times as ISO strings (null: total). */
export interface PolicyUsage {
  windowStart: string | null;
  windowEnd: string | null;
  limitNanos: bigint;
  /** Charged (settled or expired) spend of the policy's agent and its descendants in the window. */
  spentNanos: bigint;
  /** Open holds of the policy's agent and its descendants (they count in every window). */
  heldNanos: bigint;
  /** limit − spent − held: negative after an overage. */
  remainingNanos: bigint;
}

/**
 * Usage of a policy at `now`, with its current terms (a changed limit applies to spend already in
 * the window). Null for an unknown policy. Works for deactivated policies too (for display).
 */
export function policyUsage(state: BudgetState, policyId: string, now: Date): PolicyUsage | null {
  const policy = state.policies.get(policyId);
  return policy === undefined ? null : usageOf(state, policy, now.getTime());
}

/**
 * The active policies a reservation of `agentChain`'s last agent in `currency` is held against:
 * those of the agent and of every ancestor, root first, each agent's in creation order.
 * Policies in other currencies are ignored (no conversion).
 */
export function applicablePolicies(state: BudgetState, agentChain: readonly Pick<ChainAgent, 'agentId'>[], currency: string): PolicyState[] {
  const applicable: PolicyState[] = [];
  for (const { agentId } of agentChain) {
    for (const policy of state.policies.values()) {
      if (policy.active && policy.agentId === agentId && policy.currency === currency) applicable.push(policy);
    }
  }
  return applicable;
}

/**
 * The smallest remaining amount across the applicable policies (never below 0), or null when no
 * policy applies (the agent is unbudgeted in this currency). The gateway sizes an injected
 * max_tokens with it.
 */
export function remainingFor(state: BudgetState, agentChain: readonly Pick<ChainAgent, 'agentId'>[], currency: string, now: Date): bigint | null {
  let smallest: bigint | null = null;
  for (const policy of applicablePolicies(state, agentChain, currency)) {
    const { remainingNanos } = usageOf(state, policy, now.getTime());
    if (smallest === null || remainingNanos < smallest) smallest = remainingNanos;
  }
  return smallest === null ? null : smallest < 0n ? 0n : smallest;
}

export function usageOf(state: BudgetState, policy: PolicyState, nowMs: number): PolicyUsage {
  const key = spendKey(policy.currency, policy.agentId);
  const window = spendWindow(policy, nowMs);
  // A rolling window ends now, but a charge attributed to this very minute still counts.
  const sumEnd = policy.windowType === 'rolling' ? null : window.endMs;
  const spentNanos = spentBetween(state.spend.get(key) ?? emptySpendHistory, window.startMs, sumEnd);
  const heldNanos = state.held.get(key) ?? 0n;
  return {
    windowStart: window.startMs === null ? null : new Date(window.startMs).toISOString(),
    windowEnd: window.endMs === null ? null : new Date(window.endMs).toISOString(),
    limitNanos: policy.limitNanos,
    spentNanos,
    heldNanos,
    remainingNanos: policy.limitNanos - spentNanos - heldNanos,
  };
}
