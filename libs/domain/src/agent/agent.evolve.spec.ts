import { describe, expect, it } from '@jest/globals';
import { UnexpectedEventError } from '../errors/unexpected-event-error.js';
import type { AgentEvent } from './agent.events.js';
import { evolveAgent } from './agent.evolve.js';
import { initialAgentState } from './agent.state.js';

const actor = 'admin@example.com';
const registered: AgentEvent = {
  type: 'AgentRegistered',
  schemaVersion: 1,
  data: {
    agentId: 'child',
    name: 'child',
    description: '',
    owner: 'o',
    parentAgentId: 'root',
    rootAgentId: 'root',
    ancestorIds: ['root'],
    metadata: {},
    actor,
  },
};

describe('evolveAgent', () => {
  it('folds the stream into the current state and counts the version', () => {
    const stream: AgentEvent[] = [
      registered,
      { type: 'AgentUpdated', schemaVersion: 1, data: { agentId: 'child', changes: { name: 'renamed' }, actor } },
      { type: 'AgentSuspended', schemaVersion: 1, data: { agentId: 'child', reason: 'r', actor } },
      { type: 'AgentReactivated', schemaVersion: 1, data: { agentId: 'child', actor } },
    ];
    const state = stream.reduce(evolveAgent, initialAgentState);
    expect(state).toMatchObject({ status: 'active', name: 'renamed', suspendedReason: null, rootAgentId: 'root', version: 4 });
  });

  it('never mutates the state it is given', () => {
    const before = evolveAgent(initialAgentState, registered);
    evolveAgent(before, { type: 'AgentKeyIssued', schemaVersion: 1, data: { agentId: 'child', keyId: 'k', keyHash: 'a'.repeat(64), actor } });
    expect(before.keys.size).toBe(0);
    expect(initialAgentState.status).toBe('unregistered');
  });

  it('refuses events it cannot apply', () => {
    const state = evolveAgent(initialAgentState, registered);
    expect(() => evolveAgent(state, { type: 'AgentKeyRevoked', schemaVersion: 1, data: { agentId: 'child', keyId: 'k', reason: 'revoked', actor } })).toThrow(
      UnexpectedEventError,
    );
    expect(() => evolveAgent(state, { type: 'AgentRenamed' } as unknown as AgentEvent)).toThrow(UnexpectedEventError);
  });
});
