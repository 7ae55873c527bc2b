import { describe, expect, it } from '@jest/globals';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { RegisterAgent } from './agent.commands.js';
import { MAX_DELEGATION_DEPTH, decideAgent } from './agent.decide.js';
import type { AgentEvent } from './agent.events.js';
import { evolveAgent } from './agent.evolve.js';
import { initialAgentState, type AgentState } from './agent.state.js';

const HASH_1 = 'a'.repeat(64);
const HASH_2 = 'b'.repeat(64);
const actor = 'admin@example.com';

function given(...events: AgentEvent[]): AgentState {
  return events.reduce(evolveAgent, initialAgentState);
}

/** Registers an agent through the decide function itself, so fixtures are real decisions. */
function registered(agentId: string, parent: AgentState | null = null): AgentEvent[] {
  const decision = decideAgent(initialAgentState, registerCommand({ agentId, parentAgentId: parent?.agentId ?? null, parent }));
  if (!Array.isArray(decision)) throw decision;
  return decision;
}

function registerCommand(overrides: Partial<RegisterAgent> = {}): RegisterAgent {
  return {
    type: 'RegisterAgent',
    agentId: 'agent-1',
    name: 'my-agent',
    description: 'My AI agent',
    owner: 'user@example.com',
    parentAgentId: null,
    parent: null,
    metadata: { team: 'research' },
    initialKey: { keyId: 'key-1', keyHash: HASH_1 },
    actor,
    ...overrides,
  };
}

function issues(decision: unknown): string[] {
  expect(decision).toBeInstanceOf(ValidationError);
  return (decision as ValidationError).issues.map((issue) => issue.field);
}

describe('RegisterAgent', () => {
  it('registers a root agent and issues its first key', () => {
    expect(decideAgent(given(), registerCommand())).toEqual([
      {
        type: 'AgentRegistered',
        schemaVersion: 1,
        data: {
          agentId: 'agent-1',
          name: 'my-agent',
          description: 'My AI agent',
          owner: 'user@example.com',
          parentAgentId: null,
          rootAgentId: 'agent-1',
          ancestorIds: [],
          metadata: { team: 'research' },
          actor,
        },
      },
      { type: 'AgentKeyIssued', schemaVersion: 1, data: { agentId: 'agent-1', keyId: 'key-1', keyHash: HASH_1, actor } },
    ]);
  });

  it("a child inherits its parent's root and records its ancestors", () => {
    const root = given(...registered('root'));
    const child = given(...registered('child', root));
    const decision = decideAgent(given(), registerCommand({ agentId: 'grandchild', parentAgentId: 'child', parent: child }));
    expect(decision).toMatchObject([
      { type: 'AgentRegistered', data: { parentAgentId: 'child', rootAgentId: 'root', ancestorIds: ['root', 'child'] } },
      { type: 'AgentKeyIssued' },
    ]);
  });

  it('refuses an agent that is already registered', () => {
    expect(decideAgent(given(...registered('agent-1')), registerCommand())).toBeInstanceOf(ConflictError);
  });

  it('refuses a parent that does not exist', () => {
    const decision = decideAgent(given(), registerCommand({ parentAgentId: 'ghost', parent: initialAgentState }));
    expect(decision).toBeInstanceOf(NotFoundError);
    expect(decision).toMatchObject({ entity: 'agent', id: 'ghost' });
    expect(decideAgent(given(), registerCommand({ parentAgentId: 'ghost', parent: null }))).toBeInstanceOf(NotFoundError);
  });

  it('refuses a parent state that is not the named parent (a handler loading the wrong stream)', () => {
    const other = given(...registered('other'));
    expect(decideAgent(given(), registerCommand({ parentAgentId: 'parent', parent: other }))).toBeInstanceOf(NotFoundError);
  });

  it('refuses a suspended parent', () => {
    const parent = given(...registered('parent'), {
      type: 'AgentSuspended',
      schemaVersion: 1,
      data: { agentId: 'parent', reason: 'runaway spend', actor },
    });
    const decision = decideAgent(given(), registerCommand({ parentAgentId: 'parent', parent }));
    expect(decision).toBeInstanceOf(ConflictError);
    expect(decision).toMatchObject({ data: { parentAgentId: 'parent' } });
  });

  it(`allows ${MAX_DELEGATION_DEPTH} levels below the root and refuses one more`, () => {
    let parent = given(...registered('agent-0'));
    for (let depth = 1; depth <= MAX_DELEGATION_DEPTH; depth += 1) {
      parent = given(...registered(`agent-${depth}`, parent));
    }
    expect(parent.ancestorIds).toHaveLength(MAX_DELEGATION_DEPTH);
    const decision = decideAgent(given(), registerCommand({ agentId: 'too-deep', parentAgentId: parent.agentId, parent }));
    expect(issues(decision)).toEqual(['parentAgentId']);
  });

  it('reports every bad field at once', () => {
    const decision = decideAgent(
      given(),
      registerCommand({
        name: '-starts-with-dash',
        owner: '   ',
        description: 'x'.repeat(1001),
        metadata: { ok: 'yes', bad: 42 as unknown as string },
        initialKey: { keyId: '', keyHash: 'not-a-hash' },
      }),
    );
    expect(issues(decision)).toEqual(['name', 'owner', 'description', 'metadata.bad', 'initialKey.keyId', 'initialKey.keyHash']);
    expect((decision as ValidationError).message).toContain('name:');
  });

  it.each([
    ['', false],
    ['a', true],
    ['A1.b_c-d', true],
    ['x'.repeat(100), true],
    ['x'.repeat(101), false],
    ['.hidden', false],
    ['has space', false],
    ['ünïcode', false],
    ['a/b', false],
  ])('name %j valid: %s', (name, valid) => {
    const decision = decideAgent(given(), registerCommand({ name }));
    expect(Array.isArray(decision)).toBe(valid);
  });

  it('accepts any principal as owner up to 200 characters', () => {
    expect(Array.isArray(decideAgent(given(), registerCommand({ owner: 'svc:billing/robot' })))).toBe(true);
    expect(issues(decideAgent(given(), registerCommand({ owner: 'o'.repeat(201) })))).toEqual(['owner']);
  });

  it('limits metadata to 50 keys', () => {
    const metadata = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(issues(decideAgent(given(), registerCommand({ metadata })))).toEqual(['metadata']);
    delete metadata.k50;
    expect(Array.isArray(decideAgent(given(), registerCommand({ metadata })))).toBe(true);
  });
});

describe('UpdateAgent', () => {
  const agent = () => given(...registered('agent-1'));

  it('records only the fields that changed', () => {
    const decision = decideAgent(agent(), {
      type: 'UpdateAgent',
      agentId: 'agent-1',
      name: 'my-agent',
      description: 'Now with tools',
      metadata: { team: 'research' },
      actor,
    });
    expect(decision).toEqual([
      { type: 'AgentUpdated', schemaVersion: 1, data: { agentId: 'agent-1', changes: { description: 'Now with tools' }, actor } },
    ]);
  });

  it('replaces metadata as a whole', () => {
    const decision = decideAgent(agent(), { type: 'UpdateAgent', agentId: 'agent-1', metadata: { env: 'prod' }, actor });
    expect(decision).toMatchObject([{ data: { changes: { metadata: { env: 'prod' } } } }]);
    const state = given(...registered('agent-1'), ...(decision as AgentEvent[]));
    expect(state.metadata).toEqual({ env: 'prod' });
  });

  it('records nothing when nothing changes', () => {
    expect(decideAgent(agent(), { type: 'UpdateAgent', agentId: 'agent-1', name: 'my-agent', actor })).toEqual([]);
    expect(decideAgent(agent(), { type: 'UpdateAgent', agentId: 'agent-1', actor })).toEqual([]);
  });

  it('validates what it is given', () => {
    const decision = decideAgent(agent(), { type: 'UpdateAgent', agentId: 'agent-1', name: 'bad name', description: 'd'.repeat(1001), actor });
    expect(issues(decision)).toEqual(['name', 'description']);
  });

  it('refuses an unknown agent', () => {
    expect(decideAgent(given(), { type: 'UpdateAgent', agentId: 'ghost', name: 'x', actor })).toBeInstanceOf(NotFoundError);
  });
});

describe('SuspendAgent / ReactivateAgent', () => {
  const suspended: AgentEvent = { type: 'AgentSuspended', schemaVersion: 1, data: { agentId: 'agent-1', reason: 'runaway spend', actor } };

  it('suspends an active agent', () => {
    expect(decideAgent(given(...registered('agent-1')), { type: 'SuspendAgent', agentId: 'agent-1', reason: 'runaway spend', actor })).toEqual([
      suspended,
    ]);
    const state = given(...registered('agent-1'), suspended);
    expect(state).toMatchObject({ status: 'suspended', suspendedReason: 'runaway spend', version: 3 });
  });

  it('refuses to suspend a suspended agent', () => {
    const decision = decideAgent(given(...registered('agent-1'), suspended), { type: 'SuspendAgent', agentId: 'agent-1', reason: 'again', actor });
    expect(decision).toBeInstanceOf(ConflictError);
    expect(decision).toMatchObject({ data: { agentId: 'agent-1', suspendedReason: 'runaway spend' } });
  });

  it('requires a reason', () => {
    const decision = decideAgent(given(...registered('agent-1')), { type: 'SuspendAgent', agentId: 'agent-1', reason: ' ', actor });
    expect(issues(decision)).toEqual(['reason']);
  });

  it('reactivates a suspended agent and refuses an active one', () => {
    const reactivate = { type: 'ReactivateAgent', agentId: 'agent-1', actor } as const;
    expect(decideAgent(given(...registered('agent-1'), suspended), reactivate)).toEqual([
      { type: 'AgentReactivated', schemaVersion: 1, data: { agentId: 'agent-1', actor } },
    ]);
    expect(decideAgent(given(...registered('agent-1')), reactivate)).toBeInstanceOf(ConflictError);
    expect(decideAgent(given(), reactivate)).toBeInstanceOf(NotFoundError);
  });

  it('refuses to suspend an unknown agent', () => {
    expect(decideAgent(given(), { type: 'SuspendAgent', agentId: 'ghost', reason: 'x', actor })).toBeInstanceOf(NotFoundError);
  });
});

describe('agent keys', () => {
  const agent = () => given(...registered('agent-1'));
  const revokedKey1: AgentEvent = { type: 'AgentKeyRevoked', schemaVersion: 1, data: { agentId: 'agent-1', keyId: 'key-1', reason: 'revoked', actor } };

  it('issues an additional key', () => {
    const decision = decideAgent(agent(), { type: 'IssueAgentKey', agentId: 'agent-1', keyId: 'key-2', keyHash: HASH_2, actor });
    expect(decision).toEqual([{ type: 'AgentKeyIssued', schemaVersion: 1, data: { agentId: 'agent-1', keyId: 'key-2', keyHash: HASH_2, actor } }]);
  });

  it('never reuses a key id, even a revoked one', () => {
    const issue = { type: 'IssueAgentKey', agentId: 'agent-1', keyId: 'key-1', keyHash: HASH_2, actor } as const;
    expect(decideAgent(agent(), issue)).toBeInstanceOf(ConflictError);
    expect(decideAgent(given(...registered('agent-1'), revokedKey1), issue)).toBeInstanceOf(ConflictError);
  });

  it('refuses a key hash that is not a SHA-256 hex digest', () => {
    const decision = decideAgent(agent(), { type: 'IssueAgentKey', agentId: 'agent-1', keyId: 'key-2', keyHash: HASH_2.toUpperCase(), actor });
    expect(issues(decision)).toEqual(['keyHash']);
  });

  it('rotates: revokes the old key and issues the new one together', () => {
    const decision = decideAgent(agent(), { type: 'RotateAgentKey', agentId: 'agent-1', oldKeyId: 'key-1', newKeyId: 'key-2', newKeyHash: HASH_2, actor });
    expect(decision).toEqual([
      { type: 'AgentKeyRevoked', schemaVersion: 1, data: { agentId: 'agent-1', keyId: 'key-1', reason: 'rotated', actor } },
      { type: 'AgentKeyIssued', schemaVersion: 1, data: { agentId: 'agent-1', keyId: 'key-2', keyHash: HASH_2, actor } },
    ]);
    const state = given(...registered('agent-1'), ...(decision as AgentEvent[]));
    expect([...state.keys.values()]).toEqual([
      { keyId: 'key-1', keyHash: HASH_1, status: 'revoked' },
      { keyId: 'key-2', keyHash: HASH_2, status: 'active' },
    ]);
  });

  it('refuses to rotate an unknown or revoked key, or onto a used key id', () => {
    const rotate = { type: 'RotateAgentKey', agentId: 'agent-1', oldKeyId: 'key-1', newKeyId: 'key-2', newKeyHash: HASH_2, actor } as const;
    expect(decideAgent(agent(), { ...rotate, oldKeyId: 'nope' })).toMatchObject({ code: 'not_found', entity: 'agent key', id: 'nope' });
    expect(decideAgent(given(...registered('agent-1'), revokedKey1), rotate)).toBeInstanceOf(ConflictError);
    expect(decideAgent(agent(), { ...rotate, newKeyId: 'key-1' })).toBeInstanceOf(ConflictError);
  });

  it('revokes an active key, and refuses an unknown or already revoked one', () => {
    const revoke = { type: 'RevokeAgentKey', agentId: 'agent-1', keyId: 'key-1', actor } as const;
    expect(decideAgent(agent(), revoke)).toEqual([revokedKey1]);
    expect(decideAgent(given(...registered('agent-1'), revokedKey1), revoke)).toBeInstanceOf(ConflictError);
    expect(decideAgent(agent(), { ...revoke, keyId: 'nope' })).toBeInstanceOf(NotFoundError);
    expect(decideAgent(given(), revoke)).toBeInstanceOf(NotFoundError);
  });
});
