import type { DomainError } from '@caracal/domain';

/**
 * The budget stream refused a hold. `refusal` is the domain's reason (BudgetExceededError,
 * AgentSuspendedError, or another DomainError); the proxy turns it into its HTTP answer.
 */
export class HoldRefusedError extends Error {
  constructor(
    readonly refusal: DomainError,
    /** The hold's currency, for the amounts in the answer. */
    readonly currency: string,
  ) {
    super(refusal.message);
    this.name = 'HoldRefusedError';
  }
}
