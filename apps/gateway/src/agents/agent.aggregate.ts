import { evolveAgent, initialAgentState, type AgentEvent, type AgentState } from '@caracal/domain';
import type { Aggregate } from '../event-sourcing/aggregate-repository.js';

export const agentAggregate: Aggregate<AgentState, AgentEvent> = { initial: initialAgentState, evolve: evolveAgent };
