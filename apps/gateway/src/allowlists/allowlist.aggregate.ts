import { evolveAllowlist, initialAllowlistState, type AllowlistEvent, type AllowlistState } from '@caracal/domain';
import type { Aggregate } from '../event-sourcing/aggregate-repository.js';

export function allowlistAggregate(agentId: string): Aggregate<AllowlistState, AllowlistEvent> {
  return { initial: initialAllowlistState(agentId), evolve: evolveAllowlist };
}
