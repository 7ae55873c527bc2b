import type { Decision } from './decision.js';

/**
 * An aggregate's logic as one value (Emmett's Decider): what a command decides on a state, how
 * each event evolves the state, and the state of a stream with no events. The gateway loads and
 * appends around it; the domain's specs run given/when/then over it (@caracal/domain/testing).
 */
export interface Decider<S, C, E> {
  decide(state: S, command: C): Decision<E>;
  evolve(state: S, event: E): S;
  initialState: S;
}
