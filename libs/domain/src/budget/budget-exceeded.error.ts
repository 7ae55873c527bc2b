import { DomainError } from '../errors/domain-error.js';
import type { TimeWindow, WindowType } from './policy-terms.js';

/** The first policy (root first along the agent's chain) a reservation would exceed. */
export interface BudgetExceededDetails {
  policyId: string;
  /** The agent the policy belongs to (the requesting agent or one of its ancestors). */
  agentId: string;
  timeWindow: TimeWindow;
  windowType: WindowType;
  /** ISO strings; null for a total window. */
  windowStart: string | null;
  windowEnd: string | null;
  limitNanos: bigint;
  spentNanos: bigint;
  heldNanos: bigint;
  /** limit − spent − held; negative after an overage. */
  remainingNanos: bigint;
  /** The amount that was asked for. */
  requestedNanos: bigint;
}

export class BudgetExceededError extends DomainError {
  readonly code = 'budget_exceeded';

  constructor(readonly details: BudgetExceededDetails) {
    super(
      `reservation of ${details.requestedNanos} nanos exceeds policy ${details.policyId} of agent ${details.agentId} ` +
        `(limit ${details.limitNanos}, spent ${details.spentNanos}, held ${details.heldNanos}, remaining ${details.remainingNanos})`,
    );
  }
}
