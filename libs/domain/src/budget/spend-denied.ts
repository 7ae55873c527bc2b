import type { SpendDenial } from './reservation.commands.js';
import type { SpendDenied } from './reservation.events.js';

/**
 * The SpendDenied events for a batch of refusals. Denials are decided by the gateway (suspension,
 * allowlist, pricing, or a BudgetExceededError from decideReservation); this only records them,
 * in batches off the hot path, on the root's budget stream. They change no budget state.
 */
export function recordDenials(denials: readonly SpendDenial[]): SpendDenied[] {
  return denials.map((denial) => ({
    type: 'SpendDenied',
    schemaVersion: 1,
    data: {
      requestId: denial.requestId,
      agentId: denial.agentId,
      reason: denial.reason,
      policyId: denial.policyId,
      resource: denial.resource,
      occurredAt: denial.now.toISOString(),
    },
  }));
}
