/**
 * A hold forwarded to the budget stream's owner got no answer after it was sent: the owner may
 * have taken it. The request is refused (nothing forwarded upstream) and the hold released, so
 * the agent is never charged for it; retrying is safe.
 */
export class BudgetOwnerUnavailableError extends Error {
  constructor(readonly rootAgentId: string, reason: string) {
    super(`the gateway process that owns the budget of ${rootAgentId} did not answer (${reason}); retry the request`);
    this.name = 'BudgetOwnerUnavailableError';
  }
}
