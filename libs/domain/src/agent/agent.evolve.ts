import { UnexpectedEventError } from '../errors/unexpected-event-error.js';
import { agentStreamId } from '../streams.js';
import type { AgentEvent } from './agent.events.js';
import type { AgentKeyState, AgentState } from './agent.state.js';

/** Applies one agent event. Pure: returns a new state and leaves `state` untouched. */
export function evolveAgent(state: AgentState, event: AgentEvent): AgentState {
  const next = { ...state, version: state.version + 1 };
  switch (event.type) {
    case 'AgentRegistered': {
      const { agentId, name, description, owner, parentAgentId, rootAgentId, ancestorIds, metadata } = event.data;
      return { ...next, status: 'active', agentId, name, description, owner, parentAgentId, rootAgentId, ancestorIds, metadata };
    }
    case 'AgentUpdated':
      return { ...next, ...event.data.changes };
    case 'AgentSuspended':
      return { ...next, status: 'suspended', suspendedReason: event.data.reason };
    case 'AgentReactivated':
      return { ...next, status: 'active', suspendedReason: null };
    case 'AgentKeyIssued': {
      const { keyId, keyHash } = event.data;
      return { ...next, keys: withKey(state.keys, { keyId, keyHash, status: 'active' }) };
    }
    case 'AgentKeyRevoked': {
      const key = state.keys.get(event.data.keyId);
      // Only a corrupted stream revokes a key it never issued.
      if (key === undefined) {
        throw new UnexpectedEventError(agentStreamId(state.agentId), event.type, `unknown key ${event.data.keyId}`);
      }
      return { ...next, keys: withKey(state.keys, { ...key, status: 'revoked' }) };
    }
    default:
      throw new UnexpectedEventError('agent', (event as { type: string }).type, 'unknown event type');
  }
}

function withKey(keys: ReadonlyMap<string, AgentKeyState>, key: AgentKeyState): ReadonlyMap<string, AgentKeyState> {
  return new Map(keys).set(key.keyId, key);
}
