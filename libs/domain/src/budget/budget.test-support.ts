// Given/when helpers shared by the budget stream's specs (test code only; not exported by the domain).
import { deciderSpecification } from '../testing/index.js';
import { budgetDecider } from './budget.decider.js';
import type { BudgetEvent } from './budget.events.js';
import type { TimeWindow, WindowType } from './policy-terms.js';
import type { ChainAgent, ReserveSpend } from './reservation.commands.js';

export const USD = 'USD';
/** One unit (dollar) in nanos. */
export const UNIT = 1_000_000_000n;
export const CENT = UNIT / 100n;

/** Given/when/then on the budget stream of delegation root 'root'. */
export const given = deciderSpecification(budgetDecider('root'));

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
