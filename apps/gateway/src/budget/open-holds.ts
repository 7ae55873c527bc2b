import type { BudgetState } from '@caracal/domain';

/** What `budget_open_holds` keeps of a budget stream: how many holds are open, and the first to expire. */
export interface OpenHolds {
  count: number;
  /** null when none is open. */
  nextExpiresAtMs: number | null;
}

/** Of the state after a commit; its cost follows the holds open, never the stream's history. */
export function openHoldsOf(state: BudgetState): OpenHolds {
  let nextExpiresAtMs: number | null = null;
  for (const hold of state.reservations.values()) {
    if (nextExpiresAtMs === null || hold.expiresAtMs < nextExpiresAtMs) nextExpiresAtMs = hold.expiresAtMs;
  }
  return { count: state.reservations.size, nextExpiresAtMs };
}
