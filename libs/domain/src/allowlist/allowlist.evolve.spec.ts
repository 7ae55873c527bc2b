import { describe, expect, it } from '@jest/globals';
import { UnexpectedEventError } from '../errors/unexpected-event-error.js';
import type { AllowlistEvent } from './allowlist.events.js';
import { evolveAllowlist } from './allowlist.evolve.js';
import { initialAllowlistState } from './allowlist.state.js';

describe('evolveAllowlist', () => {
  it('refuses events it cannot apply', () => {
    const removed: AllowlistEvent = {
      type: 'AllowlistEntryRemoved',
      schemaVersion: 1,
      data: { entryId: 'ghost', agentId: 'agent-1', actor: 'admin' },
    };
    expect(() => evolveAllowlist(initialAllowlistState('agent-1'), removed)).toThrow(UnexpectedEventError);
    expect(() => evolveAllowlist(initialAllowlistState('agent-1'), { type: 'Nope' } as unknown as AllowlistEvent)).toThrow(UnexpectedEventError);
  });

  it('never mutates the state it is given', () => {
    const empty = initialAllowlistState('agent-1');
    evolveAllowlist(empty, {
      type: 'AllowlistEntryAdded',
      schemaVersion: 1,
      data: { entryId: 'e1', agentId: 'agent-1', pattern: 'https://a.com/*', patternType: 'glob', actor: 'admin' },
    });
    expect(empty.entries.size).toBe(0);
  });
});
