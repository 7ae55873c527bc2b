import { describe, expect, it } from '@jest/globals';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { deciderSpecification, type Then } from '../testing/index.js';
import type { RegisterAgent } from './agent.commands.js';
import { MAX_DELEGATION_DEPTH } from './agent.decide.js';
import { agentDecider } from './agent.decider.js';
import type { AgentEvent } from './agent.events.js';
import { initialAgentState, type AgentState } from './agent.state.js';

const HASH_1 = 'a'.repeat(64);
const HASH_2 = 'b'.repeat(64);
const actor = 'admin@example.com';

const given = deciderSpecification(agentDecider);

/** Registers an agent through the decide function itself, so fixtures are real decisions. */
function registered(agentId: string, parent: AgentState | null = null): AgentEvent[] {
  return given().when(registerCommand({ agentId, parentAgentId: parent?.agentId ?? null, parent })).events();
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

/** The fields named by the command's refusal as invalid. */
function issues(outcome: Then<AgentEvent>): string[] {
  return outcome.thenRefuses(ValidationError).issues.map((issue) => issue.field);
}

describe('RegisterAgent', () => {
  it('registers a root agent and issues its first key', () => {
    given().when(registerCommand()).then([
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
    const root = given(...registered('root')).state;
    const child = given(...registered('child', root)).state;
    given().when(registerCommand({ agentId: 'grandchild', parentAgentId: 'child', parent: child })).thenMatches([
      { type: 'AgentRegistered', data: { parentAgentId: 'child', rootAgentId: 'root', ancestorIds: ['root', 'child'] } },
      { type: 'AgentKeyIssued' },
    ]);
  });

  it('refuses an agent that is already registered', () => {
    given(...registered('agent-1')).when(registerCommand()).thenRefuses(ConflictError);
  });

  it('refuses a parent that does not exist', () => {
    const refusal = given().when(registerCommand({ parentAgentId: 'ghost', parent: initialAgentState })).thenRefuses(NotFoundError);
    expect(refusal).toMatchObject({ entity: 'agent', id: 'ghost' });
    given().when(registerCommand({ parentAgentId: 'ghost', parent: null })).thenRefuses(NotFoundError);
  });

  it('refuses a parent state that is not the named parent (a handler loading the wrong stream)', () => {
    const other = given(...registered('other')).state;
    given().when(registerCommand({ parentAgentId: 'parent', parent: other })).thenRefuses(NotFoundError);
  });

  it('refuses a suspended parent', () => {
    const parent = given(...registered('parent'), {
      type: 'AgentSuspended',
      schemaVersion: 1,
      data: { agentId: 'parent', reason: 'runaway spend', actor },
    }).state;
    const refusal = given().when(registerCommand({ parentAgentId: 'parent', parent })).thenRefuses(ConflictError);
    expect(refusal).toMatchObject({ data: { parentAgentId: 'parent' } });
  });

  it(`allows ${MAX_DELEGATION_DEPTH} levels below the root and refuses one more`, () => {
    let parent = given(...registered('agent-0')).state;
    for (let depth = 1; depth <= MAX_DELEGATION_DEPTH; depth += 1) {
      parent = given(...registered(`agent-${depth}`, parent)).state;
    }
    expect(parent.ancestorIds).toHaveLength(MAX_DELEGATION_DEPTH);
    expect(issues(given().when(registerCommand({ agentId: 'too-deep', parentAgentId: parent.agentId, parent })))).toEqual(['parentAgentId']);
  });

  it('reports every bad field at once', () => {
    const outcome = given().when(registerCommand({
        name: '-starts-with-dash',
        owner: '   ',
        description: 'x'.repeat(1001),
        metadata: { ok: 'yes', bad: 42 as unknown as string },
        initialKey: { keyId: '', keyHash: 'not-a-hash' },
      }));
    expect(issues(outcome)).toEqual(['name', 'owner', 'description', 'metadata.bad', 'initialKey.keyId', 'initialKey.keyHash']);
    expect(outcome.thenRefuses(ValidationError).message).toContain('name:');
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
    const outcome = given().when(registerCommand({ name }));
    if (valid) outcome.events();
    else outcome.thenRefuses(ValidationError);
  });

  it('accepts any principal as owner up to 200 characters', () => {
    given().when(registerCommand({ owner: 'svc:billing/robot' })).events();
    expect(issues(given().when(registerCommand({ owner: 'o'.repeat(201) })))).toEqual(['owner']);
  });

  it('limits metadata to 50 keys', () => {
    const metadata = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(issues(given().when(registerCommand({ metadata })))).toEqual(['metadata']);
    delete metadata.k50;
    given().when(registerCommand({ metadata })).events();
  });
});

describe('UpdateAgent', () => {
  const agent = () => given(...registered('agent-1'));

  it('records only the fields that changed', () => {
    agent().when({
      type: 'UpdateAgent',
      agentId: 'agent-1',
      name: 'my-agent',
      description: 'Now with tools',
      metadata: { team: 'research' },
      actor,
    }).then([
      { type: 'AgentUpdated', schemaVersion: 1, data: { agentId: 'agent-1', changes: { description: 'Now with tools' }, actor } },
    ]);
  });

  it('replaces metadata as a whole', () => {
    const outcome = agent().when({ type: 'UpdateAgent', agentId: 'agent-1', metadata: { env: 'prod' }, actor });
    outcome.thenMatches([{ data: { changes: { metadata: { env: 'prod' } } } }]);
    const { state } = given(...registered('agent-1'), ...outcome.events());
    expect(state.metadata).toEqual({ env: 'prod' });
  });

  it('records nothing when nothing changes', () => {
    agent().when({ type: 'UpdateAgent', agentId: 'agent-1', name: 'my-agent', actor }).thenNothingHappened();
    agent().when({ type: 'UpdateAgent', agentId: 'agent-1', actor }).thenNothingHappened();
  });

  it('validates what it is given', () => {
    expect(issues(agent().when({ type: 'UpdateAgent', agentId: 'agent-1', name: 'bad name', description: 'd'.repeat(1001), actor }))).toEqual(['name', 'description']);
  });

  it('refuses an unknown agent', () => {
    given().when({ type: 'UpdateAgent', agentId: 'ghost', name: 'x', actor }).thenRefuses(NotFoundError);
  });
});

describe('SuspendAgent / ReactivateAgent', () => {
  const suspended: AgentEvent = { type: 'AgentSuspended', schemaVersion: 1, data: { agentId: 'agent-1', reason: 'runaway spend', actor } };

  it('suspends an active agent', () => {
    given(...registered('agent-1')).when({ type: 'SuspendAgent', agentId: 'agent-1', reason: 'runaway spend', actor }).then([
      suspended,
    ]);
    const { state } = given(...registered('agent-1'), suspended);
    expect(state).toMatchObject({ status: 'suspended', suspendedReason: 'runaway spend', version: 3 });
  });

  it('refuses to suspend a suspended agent', () => {
    const refusal = given(...registered('agent-1'), suspended).when({ type: 'SuspendAgent', agentId: 'agent-1', reason: 'again', actor }).thenRefuses(ConflictError);
    expect(refusal).toMatchObject({ data: { agentId: 'agent-1', suspendedReason: 'runaway spend' } });
  });

  it('requires a reason', () => {
    expect(issues(given(...registered('agent-1')).when({ type: 'SuspendAgent', agentId: 'agent-1', reason: ' ', actor }))).toEqual(['reason']);
  });

  it('reactivates a suspended agent and refuses an active one', () => {
    const reactivate = { type: 'ReactivateAgent', agentId: 'agent-1', actor } as const;
    given(...registered('agent-1'), suspended).when(reactivate).then([
      { type: 'AgentReactivated', schemaVersion: 1, data: { agentId: 'agent-1', actor } },
    ]);
    given(...registered('agent-1')).when(reactivate).thenRefuses(ConflictError);
    given().when(reactivate).thenRefuses(NotFoundError);
  });

  it('refuses to suspend an unknown agent', () => {
    given().when({ type: 'SuspendAgent', agentId: 'ghost', reason: 'x', actor }).thenRefuses(NotFoundError);
  });
});

describe('agent keys', () => {
  const agent = () => given(...registered('agent-1'));
  const revokedKey1: AgentEvent = { type: 'AgentKeyRevoked', schemaVersion: 1, data: { agentId: 'agent-1', keyId: 'key-1', reason: 'revoked', actor } };

  it('issues an additional key', () => {
    agent().when({ type: 'IssueAgentKey', agentId: 'agent-1', keyId: 'key-2', keyHash: HASH_2, actor }).then([{ type: 'AgentKeyIssued', schemaVersion: 1, data: { agentId: 'agent-1', keyId: 'key-2', keyHash: HASH_2, actor } }]);
  });

  it('never reuses a key id, even a revoked one', () => {
    const issue = { type: 'IssueAgentKey', agentId: 'agent-1', keyId: 'key-1', keyHash: HASH_2, actor } as const;
    agent().when(issue).thenRefuses(ConflictError);
    given(...registered('agent-1'), revokedKey1).when(issue).thenRefuses(ConflictError);
  });

  it('refuses a key hash that is not a SHA-256 hex digest', () => {
    expect(issues(agent().when({ type: 'IssueAgentKey', agentId: 'agent-1', keyId: 'key-2', keyHash: HASH_2.toUpperCase(), actor }))).toEqual(['keyHash']);
  });

  it('rotates: revokes the old key and issues the new one together', () => {
    const outcome = agent().when({ type: 'RotateAgentKey', agentId: 'agent-1', oldKeyId: 'key-1', newKeyId: 'key-2', newKeyHash: HASH_2, actor });
    outcome.then([
      { type: 'AgentKeyRevoked', schemaVersion: 1, data: { agentId: 'agent-1', keyId: 'key-1', reason: 'rotated', actor } },
      { type: 'AgentKeyIssued', schemaVersion: 1, data: { agentId: 'agent-1', keyId: 'key-2', keyHash: HASH_2, actor } },
    ]);
    const { state } = given(...registered('agent-1'), ...outcome.events());
    expect([...state.keys.values()]).toEqual([
      { keyId: 'key-1', keyHash: HASH_1, status: 'revoked' },
      { keyId: 'key-2', keyHash: HASH_2, status: 'active' },
    ]);
  });

  it('refuses to rotate an unknown or revoked key, or onto a used key id', () => {
    const rotate = { type: 'RotateAgentKey', agentId: 'agent-1', oldKeyId: 'key-1', newKeyId: 'key-2', newKeyHash: HASH_2, actor } as const;
    expect(agent().when({ ...rotate, oldKeyId: 'nope' }).thenRefuses(NotFoundError)).toMatchObject({ code: 'not_found', entity: 'agent key', id: 'nope' });
    given(...registered('agent-1'), revokedKey1).when(rotate).thenRefuses(ConflictError);
    agent().when({ ...rotate, newKeyId: 'key-1' }).thenRefuses(ConflictError);
  });

  it('revokes an active key, and refuses an unknown or already revoked one', () => {
    const revoke = { type: 'RevokeAgentKey', agentId: 'agent-1', keyId: 'key-1', actor } as const;
    agent().when(revoke).then([revokedKey1]);
    given(...registered('agent-1'), revokedKey1).when(revoke).thenRefuses(ConflictError);
    agent().when({ ...revoke, keyId: 'nope' }).thenRefuses(NotFoundError);
    given().when(revoke).thenRefuses(NotFoundError);
  });
});
