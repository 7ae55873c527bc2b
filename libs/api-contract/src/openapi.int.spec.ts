// The contract against the gateway's own description of its API (/v1/openapi.json): every route
// the CLI calls is there with that method, the values the contract offers are the ones the API
// takes, and what a client sends is named like what it reads back. (The document declares no
// response schemas: the answers are checked by tsc, through the controllers' return types.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { OUTPUT_CASES, VARIANTS } from '@caracal/test-support/cli-output-cases.js';
import { AGENT_STATUSES, PATTERN_TYPES, TIME_WINDOWS, WINDOW_TYPES, type Agent, type AllowlistEntry, type Policy } from './index.js';

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: { enum?: unknown[] } }[] }>>;
  components: { schemas: Record<string, { properties: Record<string, { enum?: unknown[] }> }> };
}

// The views' property names, as values; tsc makes each list exactly its type's keys.
const AGENT_KEYS: Record<keyof Agent, true> = {
  agentId: true, name: true, description: true, owner: true, parentAgentId: true, rootAgentId: true, status: true,
  suspendedReason: true, metadata: true, version: true, createdAt: true, updatedAt: true,
};
const POLICY_KEYS: Record<keyof Policy, true> = {
  policyId: true, agentId: true, limit: true, currency: true, timeWindow: true, windowType: true, timezone: true, active: true,
  version: true, changeReason: true, changedBy: true, createdAt: true, updatedAt: true,
};
const ALLOWLIST_ENTRY_KEYS: Record<keyof AllowlistEntry, true> = {
  entryId: true, agentId: true, pattern: true, patternType: true, createdAt: true, removedAt: true,
};

let api: AdminApiHarness;
let document: OpenApiDocument;

beforeAll(async () => {
  api = await startAdminApi('postgres');
  document = (await api.call('GET', '/v1/openapi.json')).body as OpenApiDocument;
});
afterAll(async () => {
  await api?.close();
});

/** `GET /v1/agents/3f2c…` → the document's `GET /v1/agents/{agentId}`, or null. */
function documentedRoute(route: string): string | null {
  const [method, path] = route.split(' ');
  for (const [template, operations] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (pattern.test(path) && method.toLowerCase() in operations) return `${method} ${template}`;
  }
  return null;
}

function bodyProperties(schema: string): string[] {
  return Object.keys(document.components.schemas[schema].properties);
}

function bodyEnum(schema: string, property: string): unknown[] | undefined {
  return document.components.schemas[schema].properties[property]?.enum;
}

function queryEnum(route: string, name: string): unknown[] | undefined {
  const [method, path] = route.split(' ');
  return document.paths[path]?.[method.toLowerCase()]?.parameters?.find((parameter) => parameter.in === 'query' && parameter.name === name)?.schema?.enum;
}

describe('the API contract against /v1/openapi.json', () => {
  it('has every route the CLI calls, with its method', async () => {
    const called = new Set<string>();
    for (const outputCase of Object.values(OUTPUT_CASES).filter((outputCase) => !outputCase.local)) {
      for (const variant of VARIANTS) {
        const dir = mkdtempSync(join(tmpdir(), 'caracal-contract-'));
        try {
          for (const run of await outputCase.runs(variant, dir)) Object.keys(run.routes).forEach((route) => called.add(route));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    // Enough routes to mean the cases were read; the exact list is the CLI's to change.
    expect(called.size).toBeGreaterThan(40);
    expect([...called].filter((route) => documentedRoute(route) === null)).toEqual([]);
  });

  it('takes exactly the values the contract offers', () => {
    expect({
      createTimeWindow: bodyEnum('CreatePolicyDto', 'timeWindow'),
      createWindowType: bodyEnum('CreatePolicyDto', 'windowType'),
      updateTimeWindow: bodyEnum('UpdatePolicyDto', 'timeWindow'),
      updateWindowType: bodyEnum('UpdatePolicyDto', 'windowType'),
      usageTimeWindow: queryEnum('GET /v1/ledger/usage', 'timeWindow'),
      patternType: bodyEnum('CreateAllowlistEntryDto', 'patternType'),
      agentStatus: queryEnum('GET /v1/agents', 'status'),
    }).toEqual({
      createTimeWindow: [...TIME_WINDOWS],
      createWindowType: [...WINDOW_TYPES],
      updateTimeWindow: [...TIME_WINDOWS],
      updateWindowType: [...WINDOW_TYPES],
      usageTimeWindow: [...TIME_WINDOWS],
      patternType: [...PATTERN_TYPES],
      agentStatus: [...AGENT_STATUSES],
    });
  });

  it('names what a client sends as it names what the client reads back', () => {
    const unread = (schema: string, keys: Record<string, true>): string[] => bodyProperties(schema).filter((property) => !(property in keys));
    expect({
      agent: unread('CreateAgentDto', AGENT_KEYS),
      agentUpdate: unread('UpdateAgentDto', AGENT_KEYS),
      policy: unread('CreatePolicyDto', POLICY_KEYS),
      policyUpdate: unread('UpdatePolicyDto', POLICY_KEYS),
      allowlistEntry: unread('CreateAllowlistEntryDto', ALLOWLIST_ENTRY_KEYS),
    }).toEqual({ agent: [], agentUpdate: [], policy: [], policyUpdate: [], allowlistEntry: [] });
  });
});
