// The public surface of the domain. Everything a handler, the gateway or a projection needs.

import type { AgentEvent } from './agent/agent.events.js';
import type { AllowlistEvent } from './allowlist/allowlist.events.js';
import type { BudgetEvent } from './budget/budget.events.js';
import type { PricebookEvent } from './pricebook/pricebook.events.js';

export type { Decision } from './decision.js';
export type { Decider } from './decider.js';
export { DomainError } from './errors/domain-error.js';
export { ValidationError, type ValidationIssue } from './errors/validation-error.js';
export { NotFoundError } from './errors/not-found-error.js';
export { ConflictError } from './errors/conflict-error.js';
export { UnexpectedEventError } from './errors/unexpected-event-error.js';
export { agentStreamId, allowlistStreamId, budgetStreamId } from './streams.js';

export type * from './agent/agent.commands.js';
export type * from './agent/agent.events.js';
export { initialAgentState, type AgentKeyState, type AgentState, type AgentStatus } from './agent/agent.state.js';
export { evolveAgent } from './agent/agent.evolve.js';
export { MAX_DELEGATION_DEPTH, decideAgent } from './agent/agent.decide.js';
export { agentDecider } from './agent/agent.decider.js';

export type * from './budget/budget.commands.js';
export type * from './budget/budget.events.js';
export { initialBudgetState, type BudgetState, type PolicyState } from './budget/budget.state.js';
export type { PolicyTerms, TimeWindow, WindowType } from './budget/policy-terms.js';
export { evolveBudget } from './budget/budget.evolve.js';
export { decideBudgetPolicy } from './budget/budget-policy.decide.js';
export { budgetDecider, decideBudget, type BudgetCommand } from './budget/budget.decider.js';
export type * from './budget/reservation.commands.js';
export type * from './budget/reservation.events.js';
export { DENIAL_REASONS } from './budget/reservation.events.js';
export { spendKey, type OpenReservation } from './budget/budget.state.js';
export { decideBudgetBatch, evolveBudgetAll } from './budget/budget.evolve.js';
export { decideReservation, MAX_RESERVATION_TTL_MS, MIN_RESERVATION_TTL_MS, RESOURCE_MAX_LENGTH } from './budget/reservation.decide.js';
export { recordDenials } from './budget/spend-denied.js';
export { BudgetExceededError, type BudgetExceededDetails } from './budget/budget-exceeded.error.js';
export { AgentSuspendedError } from './budget/agent-suspended.error.js';
export { applicablePolicies, policyUsage, remainingFor, type PolicyUsage } from './budget/budget-usage.js';
export { ROLLING_LENGTH_MS, SPEND_RETENTION_MS, spendWindow, type SpendWindow } from './budget/spend-window.js';
export { addSpend, emptySpendHistory, spentBetween, type DayBucket, type SpendHistory } from './budget/spend-history.js';
export { budgetFromSnapshot, budgetSnapshot, type BudgetSnapshot } from './budget/budget-snapshot.js';

export type * from './allowlist/allowlist.commands.js';
export type * from './allowlist/allowlist.events.js';
export { initialAllowlistState, type AllowlistEntry, type AllowlistState } from './allowlist/allowlist.state.js';
export { evolveAllowlist } from './allowlist/allowlist.evolve.js';
export { decideAllowlist } from './allowlist/allowlist.decide.js';
export { allowlistDecider } from './allowlist/allowlist.decider.js';
export { PATTERN_MAX_LENGTH, type PatternType } from './allowlist/allowlist-pattern.js';
export { InvalidPatternError } from './allowlist/invalid-pattern.error.js';
export { InvalidUrlError } from './allowlist/invalid-url.error.js';
export { normaliseUrl } from './allowlist/url.normalise.js';
export { compileAllowlist, matchAllowlist, type AllowlistMatch, type AllowlistMatcher } from './allowlist/allowlist.match.js';

/** Every event the domain records. */
export type DomainEvent = AgentEvent | BudgetEvent | AllowlistEvent | PricebookEvent;

export type * from './pricebook/pricebook.events.js';
export { initialPricebookState, PRICEBOOK_STREAM, type PricebookState } from './pricebook/pricebook.state.js';
export { evolvePricebook } from './pricebook/pricebook.evolve.js';
export { decidePricebook, type PublishPricebook } from './pricebook/pricebook.decide.js';
export { pricebookDecider } from './pricebook/pricebook.decider.js';
