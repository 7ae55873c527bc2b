import { evolveBudget, initialBudgetState, type BudgetEvent, type BudgetState } from '../../../../libs/domain/src/index.js';
import type { Aggregate } from '../event-sourcing/aggregate-repository.js';

export function budgetAggregate(rootAgentId: string): Aggregate<BudgetState, BudgetEvent> {
  return { initial: initialBudgetState(rootAgentId), evolve: evolveBudget };
}
