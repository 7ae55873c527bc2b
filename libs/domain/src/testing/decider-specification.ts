import { expect } from '@jest/globals';
import type { Decider } from '../decider.js';
import type { Decision } from '../decision.js';
import { DomainError } from '../errors/domain-error.js';

/** The outcome of `when`: assert it as events or as a refusal. */
export interface Then<E> {
  /** What decide returned, for the rare assertion the helpers below do not cover. */
  readonly decision: Decision<E>;
  /** Exactly these events were decided. */
  then(expected: E[]): void;
  /** Events were decided, each matching its partial (toMatchObject). */
  thenMatches(expected: object[]): void;
  /** The command was accepted and records nothing. */
  thenNothingHappened(): void;
  /** The command was refused with an error of this type; returns it for closer checks. */
  thenRefuses<T extends DomainError>(type: abstract new (...args: never[]) => T): T;
  /** The decided events, failing the test if the command was refused. */
  events(): E[];
}

export interface Given<S, C, E> {
  /** The state the given events evolve to. */
  readonly state: S;
  /** More events happened. */
  and(...events: E[]): Given<S, C, E>;
  /** The command was decided and its events happened; fails the test if it was refused. */
  after(command: C): Given<S, C, E>;
  when(command: C): Then<E>;
}

/**
 * Given/when/then over a decider (after Emmett's DeciderSpecification): `given(...events)`
 * evolves the decider's initial state through the events, `when(command)` decides on it, and
 * `then…` asserts the decision.
 *
 *   const given = deciderSpecification(agentDecider);
 *   given(registered).when(suspend).then([suspendedEvent]);
 *   given().when(suspend).thenRefuses(NotFoundError);
 *   given(policy).after(reserve).when(settle).then([settled]);
 */
export function deciderSpecification<S, C, E>(decider: Decider<S, C, E>): (...events: E[]) => Given<S, C, E> {
  const givenState = (state: S): Given<S, C, E> => ({
    state,
    and: (...events) => givenState(events.reduce(decider.evolve, state)),
    after: (command) => givenState(outcome(decider.decide(state, command)).events().reduce(decider.evolve, state)),
    when: (command) => outcome(decider.decide(state, command)),
  });
  return (...events) => givenState(decider.initialState).and(...events);
}

function outcome<E>(decision: Decision<E>): Then<E> {
  const events = (): E[] => {
    if (decision instanceof DomainError) throw new Error(`expected events, but the command was refused: ${decision.name}: ${decision.message}`);
    return decision;
  };
  return {
    decision,
    then: (expected) => expect(events()).toEqual(expected),
    thenMatches: (expected) => expect(events()).toMatchObject(expected),
    thenNothingHappened: () => expect(events()).toEqual([]),
    thenRefuses: (type) => {
      expect(decision).toBeInstanceOf(type);
      return decision as never;
    },
    events,
  };
}
