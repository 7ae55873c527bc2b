import { describe, expect, it } from '@jest/globals';
import { evolveAgent } from '../agent/agent.evolve.js';
import { initialAgentState, type AgentState } from '../agent/agent.state.js';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { AddAllowlistEntry } from './allowlist.commands.js';
import { decideAllowlist } from './allowlist.decide.js';
import type { AllowlistEvent } from './allowlist.events.js';
import { evolveAllowlist } from './allowlist.evolve.js';
import { initialAllowlistState, type AllowlistState } from './allowlist.state.js';

const actor = 'admin@example.com';

const agent: AgentState = evolveAgent(initialAgentState, {
  type: 'AgentRegistered',
  schemaVersion: 1,
  data: {
    agentId: 'agent-1',
    name: 'my-agent',
    description: '',
    owner: 'user@example.com',
    parentAgentId: null,
    rootAgentId: 'agent-1',
    ancestorIds: [],
    metadata: {},
    actor,
  },
});

function given(...events: AllowlistEvent[]): AllowlistState {
  return events.reduce(evolveAllowlist, initialAllowlistState('agent-1'));
}

function add(overrides: Partial<AddAllowlistEntry> = {}): AddAllowlistEntry {
  return {
    type: 'AddAllowlistEntry',
    entryId: 'entry-1',
    agentId: 'agent-1',
    agent,
    pattern: 'https://api.anthropic.com/*',
    patternType: 'glob',
    actor,
    ...overrides,
  };
}

const globAdded: AllowlistEvent = {
  type: 'AllowlistEntryAdded',
  schemaVersion: 1,
  data: { entryId: 'entry-1', agentId: 'agent-1', pattern: 'https://api.anthropic.com/*', patternType: 'glob', actor },
};

function patternIssue(decision: unknown): string {
  expect(decision).toBeInstanceOf(ValidationError);
  const { issues } = decision as ValidationError;
  expect(issues.map((issue) => issue.field)).toEqual(['pattern']);
  return issues[0].message;
}

describe('AddAllowlistEntry', () => {
  it("adds the runbook's glob and regex entries as written", () => {
    expect(decideAllowlist(given(), add())).toEqual([globAdded]);
    const regex = decideAllowlist(given(globAdded), add({ entryId: 'entry-2', pattern: '^https://api\\.openai\\.com/.*$', patternType: 'regex' }));
    expect(regex).toEqual([
      {
        type: 'AllowlistEntryAdded',
        schemaVersion: 1,
        data: { entryId: 'entry-2', agentId: 'agent-1', pattern: '^https://api\\.openai\\.com/.*$', patternType: 'regex', actor },
      },
    ]);
    expect([...given(globAdded, ...(regex as AllowlistEvent[])).entries.keys()]).toEqual(['entry-1', 'entry-2']);
  });

  it('refuses an invalid regex with the RE2 message on field pattern', () => {
    expect(patternIssue(decideAllowlist(given(), add({ pattern: '^https://(api\\.openai\\.com/.*$', patternType: 'regex' })))).toContain('missing )');
  });

  it('refuses backreferences and lookaround, which RE2 does not support', () => {
    patternIssue(decideAllowlist(given(), add({ pattern: '^https://(a)\\1\\.com/$', patternType: 'regex' })));
    patternIssue(decideAllowlist(given(), add({ pattern: '^https://(?!evil).*$', patternType: 'regex' })));
  });

  it.each([
    ['api.anthropic.com/*', 'scheme://host'],
    ['ftp://files.example.com/*', 'scheme://host'],
    ['*://api.anthropic.com/*', 'scheme://host'],
    ['https://api.anthropic.com:*/*', 'scheme://host'],
    ['https://user@api.anthropic.com/*', 'userinfo'],
    ['https:///*', 'has no host'],
    ['https://api anthropic.com/*', 'whitespace'],
  ])('refuses the glob %j', (pattern, message) => {
    expect(patternIssue(decideAllowlist(given(), add({ pattern })))).toContain(message);
  });

  it('limits patterns to 2048 characters', () => {
    const long = `https://example.com/${'a'.repeat(2048)}`;
    expect(patternIssue(decideAllowlist(given(), add({ pattern: long })))).toContain('2048');
    expect(decideAllowlist(given(), add({ pattern: long.slice(0, 2048) }))).toHaveLength(1);
  });

  it('requires a pattern and a known pattern type, reporting both', () => {
    const decision = decideAllowlist(given(), add({ pattern: '', patternType: 'wildcard' }));
    expect(decision).toBeInstanceOf(ValidationError);
    expect((decision as ValidationError).issues.map((issue) => issue.field)).toEqual(['patternType', 'pattern']);
  });

  it('refuses the same pattern twice, also when spelled differently, naming the existing entry', () => {
    const decision = decideAllowlist(given(globAdded), add({ entryId: 'entry-2', pattern: 'HTTPS://API.Anthropic.com:443/*' }));
    expect(decision).toBeInstanceOf(ConflictError);
    expect(decision).toMatchObject({ data: { entryId: 'entry-1' } });
  });

  it('the same text as another type is a different entry', () => {
    expect(decideAllowlist(given(globAdded), add({ entryId: 'entry-2', patternType: 'regex' }))).toHaveLength(1);
  });

  it('refuses an entry id that exists and an unknown agent', () => {
    expect(decideAllowlist(given(globAdded), add({ pattern: 'https://other.example.com/*' }))).toBeInstanceOf(ConflictError);
    expect(decideAllowlist(given(), add({ agent: initialAgentState }))).toBeInstanceOf(NotFoundError);
  });
});

describe('RemoveAllowlistEntry', () => {
  const remove = { type: 'RemoveAllowlistEntry', entryId: 'entry-1', actor } as const;

  it('removes an entry', () => {
    const decision = decideAllowlist(given(globAdded), remove);
    expect(decision).toEqual([{ type: 'AllowlistEntryRemoved', schemaVersion: 1, data: { entryId: 'entry-1', agentId: 'agent-1', actor } }]);
    expect(given(globAdded, ...(decision as AllowlistEvent[])).entries.size).toBe(0);
  });

  it('refuses an unknown or already removed entry', () => {
    const removed: AllowlistEvent = { type: 'AllowlistEntryRemoved', schemaVersion: 1, data: { entryId: 'entry-1', agentId: 'agent-1', actor } };
    expect(decideAllowlist(given(), remove)).toBeInstanceOf(NotFoundError);
    expect(decideAllowlist(given(globAdded, removed), remove)).toMatchObject({ code: 'not_found', entity: 'allowlist entry', id: 'entry-1' });
  });
});
