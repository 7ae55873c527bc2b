import { describe, expect, it } from '@jest/globals';
import { evolveAgent } from '../agent/agent.evolve.js';
import { initialAgentState, type AgentState } from '../agent/agent.state.js';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { AddAllowlistEntry } from './allowlist.commands.js';
import { deciderSpecification, type Then } from '../testing/index.js';
import { allowlistDecider } from './allowlist.decider.js';
import type { AllowlistEvent } from './allowlist.events.js';

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

const given = deciderSpecification(allowlistDecider('agent-1'));

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

function patternIssue(outcome: Then<AllowlistEvent>): string {
  const { issues } = outcome.thenRefuses(ValidationError);
  expect(issues.map((issue) => issue.field)).toEqual(['pattern']);
  return issues[0].message;
}

describe('AddAllowlistEntry', () => {
  it("adds the runbook's glob and regex entries as written", () => {
    given().when(add()).then([globAdded]);
    const regex = given(globAdded).when(add({ entryId: 'entry-2', pattern: '^https://api\\.openai\\.com/.*$', patternType: 'regex' }));
    regex.then([
      {
        type: 'AllowlistEntryAdded',
        schemaVersion: 1,
        data: { entryId: 'entry-2', agentId: 'agent-1', pattern: '^https://api\\.openai\\.com/.*$', patternType: 'regex', actor },
      },
    ]);
    expect([...given(globAdded, ...regex.events()).state.entries.keys()]).toEqual(['entry-1', 'entry-2']);
  });

  it('refuses an invalid regex with the RE2 message on field pattern', () => {
    expect(patternIssue(given().when(add({ pattern: '^https://(api\\.openai\\.com/.*$', patternType: 'regex' })))).toContain('missing )');
  });

  it('refuses backreferences and lookaround, which RE2 does not support', () => {
    patternIssue(given().when(add({ pattern: '^https://(a)\\1\\.com/$', patternType: 'regex' })));
    patternIssue(given().when(add({ pattern: '^https://(?!evil).*$', patternType: 'regex' })));
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
    expect(patternIssue(given().when(add({ pattern })))).toContain(message);
  });

  it('limits patterns to 2048 characters', () => {
    const long = `https://example.com/${'a'.repeat(2048)}`;
    expect(patternIssue(given().when(add({ pattern: long })))).toContain('2048');
    expect(given().when(add({ pattern: long.slice(0, 2048) })).events()).toHaveLength(1);
  });

  it('requires a pattern and a known pattern type, reporting both', () => {
    const refusal = given().when(add({ pattern: '', patternType: 'wildcard' })).thenRefuses(ValidationError);
    expect(refusal.issues.map((issue) => issue.field)).toEqual(['patternType', 'pattern']);
  });

  it('refuses the same pattern twice, also when spelled differently, naming the existing entry', () => {
    const refusal = given(globAdded).when(add({ entryId: 'entry-2', pattern: 'HTTPS://API.Anthropic.com:443/*' })).thenRefuses(ConflictError);
    expect(refusal).toMatchObject({ data: { entryId: 'entry-1' } });
  });

  it('the same text as another type is a different entry', () => {
    expect(given(globAdded).when(add({ entryId: 'entry-2', patternType: 'regex' })).events()).toHaveLength(1);
  });

  it('refuses an entry id that exists and an unknown agent', () => {
    given(globAdded).when(add({ pattern: 'https://other.example.com/*' })).thenRefuses(ConflictError);
    given().when(add({ agent: initialAgentState })).thenRefuses(NotFoundError);
  });
});

describe('RemoveAllowlistEntry', () => {
  const remove = { type: 'RemoveAllowlistEntry', entryId: 'entry-1', actor } as const;

  it('removes an entry', () => {
    const removal = given(globAdded).when(remove);
    removal.then([{ type: 'AllowlistEntryRemoved', schemaVersion: 1, data: { entryId: 'entry-1', agentId: 'agent-1', actor } }]);
    expect(given(globAdded, ...removal.events()).state.entries.size).toBe(0);
  });

  it('refuses an unknown or already removed entry', () => {
    const removed: AllowlistEvent = { type: 'AllowlistEntryRemoved', schemaVersion: 1, data: { entryId: 'entry-1', agentId: 'agent-1', actor } };
    given().when(remove).thenRefuses(NotFoundError);
    expect(given(globAdded, removed).when(remove).thenRefuses(NotFoundError)).toMatchObject({ code: 'not_found', entity: 'allowlist entry', id: 'entry-1' });
  });
});
