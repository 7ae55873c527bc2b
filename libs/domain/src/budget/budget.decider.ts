import type { Decider } from '../decider.js';
import type { Decision } from '../decision.js';
import { decideBudgetPolicy } from './budget-policy.decide.js';
import type { BudgetPolicyCommand } from './budget.commands.js';
import type { BudgetEvent } from './budget.events.js';
import { evolveBudget } from './budget.evolve.js';
import { initialBudgetState, type BudgetState } from './budget.state.js';
import type { ReservationCommand } from './reservation.commands.js';
import { decideReservation } from './reservation.decide.js';

/** Everything decided on a budget stream: the operators' policy commands and the gateway's holds. */
export type BudgetCommand = BudgetPolicyCommand | ReservationCommand;

/** Policy commands are decided by decideBudgetPolicy, holds by decideReservation. */
export function decideBudget(state: BudgetState, command: BudgetCommand): Decision<BudgetEvent> {
  switch (command.type) {
    case 'CreatePolicy':
    case 'ChangePolicy':
    case 'DeactivatePolicy':
      return decideBudgetPolicy(state, command);
    default:
      return decideReservation(state, command);
  }
}

/** The budget stream of one delegation root: the policies of its tree and their holds. */
export function budgetDecider(rootAgentId: string): Decider<BudgetState, BudgetCommand, BudgetEvent> {
  return { decide: decideBudget, evolve: evolveBudget, initialState: initialBudgetState(rootAgentId) };
}
