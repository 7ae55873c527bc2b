import type { Decider } from '../decider.js';
import type { AgentCommand } from './agent.commands.js';
import { decideAgent } from './agent.decide.js';
import type { AgentEvent } from './agent.events.js';
import { evolveAgent } from './agent.evolve.js';
import { initialAgentState, type AgentState } from './agent.state.js';

/** An agent stream: registration, profile, suspension and keys. */
export const agentDecider: Decider<AgentState, AgentCommand, AgentEvent> = {
  decide: decideAgent,
  evolve: evolveAgent,
  initialState: initialAgentState,
};
