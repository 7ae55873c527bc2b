import { AgentSuspendedError, BudgetExceededError } from '@caracal/domain';
import { formatAmount } from '@caracal/money';
import type { HoldRefusedError } from '../budget/hold-refused.error.js';
import { ProxyDenial } from '../http/proxy-denial.js';

/** The proxy's answer to a hold the budget stream refused: what was exceeded or who is suspended. */
export function holdDenial({ refusal, currency }: HoldRefusedError): ProxyDenial {
  if (refusal instanceof BudgetExceededError) {
    const d = refusal.details;
    return new ProxyDenial(403, 'budget_exceeded', `budget exceeded: policy ${d.policyId} (${d.timeWindow} ${d.windowType}) of agent ${d.agentId} has ${formatAmount(d.remainingNanos)} ${currency} left, this request may cost up to ${formatAmount(d.requestedNanos)}`, {
      policy: d.policyId,
      agent_id: d.agentId,
      window: { time_window: d.timeWindow, window_type: d.windowType, start: d.windowStart, end: d.windowEnd },
      limit: formatAmount(d.limitNanos),
      spent: formatAmount(d.spentNanos),
      held: formatAmount(d.heldNanos),
      remaining: formatAmount(d.remainingNanos),
      requested: formatAmount(d.requestedNanos),
      currency,
    });
  }
  if (refusal instanceof AgentSuspendedError) {
    return new ProxyDenial(403, 'agent_suspended', refusal.message, { agent_id: refusal.agentId });
  }
  return new ProxyDenial(403, 'request_refused', refusal.message);
}
