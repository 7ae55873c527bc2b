// Given/when helpers shared by the reservation specs (test code only; not exported by the domain).
import type { Decision } from '../decision.js';
import type { BudgetEvent } from './budget.events.js';
import { evolveBudget } from './budget.evolve.js';
import { initialBudgetState, type BudgetState } from './budget.state.js';
import type { TimeWindow, WindowType } from './policy-terms.js';
import type { ChainAgent, ReserveSpend } from './reservation.commands.js';

export const USD = 'USD';
/** One unit (dollar) in nanos. */
export const UNIT = 1_000_000_000n;
export const CENT = UNIT / 100n;

export function events<E>(decision: Decision<E>): E[] {
  if (!Array.isArray(decision)) throw decision;
  return decision;
}

export function given(...history: BudgetEvent[]): BudgetState {
  return history.reduce(evolveBudget, initialBudgetState('root'));
}

export function apply(state: BudgetState, decision: Decision<BudgetEvent>): BudgetState {
  return events(decision).reduce(evolveBudget, state);
}

export interface PolicyOptions {
  agentId?: string;
  limitNanos?: bigint;
  currency?: string;
  timeWindow?: TimeWindow;
  windowType?: WindowType;
  timezone?: string;
}

export function policyCreated(policyId: string, options: PolicyOptions = {}): BudgetEvent {
  return {
    type: 'BudgetPolicyCreated',
    schemaVersion: 1,
    data: {
      policyId,
      agentId: options.agentId ?? 'root',
      version: 1,
      limitNanos: (options.limitNanos ?? UNIT).toString(),
      limit: '1.00',
      currency: options.currency ?? USD,
      timeWindow: options.timeWindow ?? 'daily',
      windowType: options.windowType ?? 'calendar',
      timezone: options.timezone ?? 'UTC',
      changeReason: 'initial',
      actor: 'admin@example.com',
    },
  };
}

export function policyChanged(policyId: string, version: number, options: PolicyOptions = {}): BudgetEvent {
  const created = policyCreated(policyId, options);
  return { ...created, type: 'BudgetPolicyChanged', data: { ...created.data, version } } as BudgetEvent;
}

export const rootChain: ChainAgent[] = [{ agentId: 'root', status: 'active' }];
export const childChain: ChainAgent[] = [
  { agentId: 'root', status: 'active' },
  { agentId: 'child', status: 'active' },
];

export function reserve(reservationId: string, amountNanos: bigint, now: Date, overrides: Partial<ReserveSpend> = {}): ReserveSpend {
  const agentChain = overrides.agentChain ?? rootChain;
  return {
    type: 'ReserveSpend',
    reservationId,
    requestId: `req-${reservationId}`,
    agentId: agentChain[agentChain.length - 1].agentId,
    agentChain,
    resource: 'openai/gpt-4o-mini',
    model: 'gpt-4o-mini',
    amountNanos,
    currency: USD,
    now,
    ttlMs: 60_000,
    ...overrides,
  };
}
