import { UnexpectedEventError } from '../errors/unexpected-event-error.js';
import { allowlistStreamId } from '../streams.js';
import type { AllowlistEvent } from './allowlist.events.js';
import type { AllowlistState } from './allowlist.state.js';

/** Applies one allowlist event. Pure: returns a new state and leaves `state` untouched. */
export function evolveAllowlist(state: AllowlistState, event: AllowlistEvent): AllowlistState {
  switch (event.type) {
    case 'AllowlistEntryAdded': {
      const { entryId, pattern, patternType } = event.data;
      return { ...state, entries: new Map(state.entries).set(entryId, { entryId, pattern, patternType }) };
    }
    case 'AllowlistEntryRemoved': {
      const entries = new Map(state.entries);
      // Only a corrupted stream removes an entry it never added.
      if (!entries.delete(event.data.entryId)) {
        throw new UnexpectedEventError(allowlistStreamId(state.agentId), event.type, `unknown entry ${event.data.entryId}`);
      }
      return { ...state, entries };
    }
    default:
      throw new UnexpectedEventError('allowlist', (event as { type: string }).type, 'unknown event type');
  }
}
