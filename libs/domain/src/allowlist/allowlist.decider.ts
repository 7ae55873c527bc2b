import type { Decider } from '../decider.js';
import type { AllowlistCommand } from './allowlist.commands.js';
import { decideAllowlist } from './allowlist.decide.js';
import type { AllowlistEvent } from './allowlist.events.js';
import { evolveAllowlist } from './allowlist.evolve.js';
import { initialAllowlistState, type AllowlistState } from './allowlist.state.js';

/** The allowlist stream of one agent. */
export function allowlistDecider(agentId: string): Decider<AllowlistState, AllowlistCommand, AllowlistEvent> {
  return { decide: decideAllowlist, evolve: evolveAllowlist, initialState: initialAllowlistState(agentId) };
}
