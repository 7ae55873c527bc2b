import { describe, expect, it } from '@jest/globals';
import type { Agent, AllowlistEntry } from '@caracal/api-contract';
import { policy } from '@caracal/test-support/cli-command-gateway.js';
import { formatAgent, formatAgentList, formatCreatedAgent } from './agent-output.js';
import { formatAllowlistTest } from './allowlist-output.js';
import { formatFields } from './fields.js';
import { formatPolicy, formatPolicyList } from './policy-output.js';
import { formatList, formatTable } from './table.js';

const agent: Agent = {
  agentId: '3f2c5a9e-0000-4000-8000-000000000001',
  name: 'my-agent',
  description: 'My AI agent',
  owner: 'user@example.com',
  parentAgentId: null,
  rootAgentId: '3f2c5a9e-0000-4000-8000-000000000001',
  status: 'active',
  suspendedReason: null,
  metadata: { team: 'ml', env: 'prod' },
  version: 1,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
};

describe('tables', () => {
  it('align columns, right-align amounts and trim trailing spaces', () => {
    const rows = [
      { id: 'a', amount: '5.00', note: 'x' },
      { id: 'bbbb', amount: '1250.00', note: '' },
    ];
    const table = formatTable(rows, [
      { header: 'ID', value: (row) => row.id },
      { header: 'AMOUNT', value: (row) => row.amount, alignRight: true },
      { header: 'NOTE', value: (row) => row.note },
    ]);
    expect(table.split('\n')).toEqual(['ID     AMOUNT  NOTE', 'a        5.00  x', 'bbbb  1250.00']);
  });

  it('say so when a list is empty and give the cursor of the next page', () => {
    const columns = [{ header: 'ID', value: (row: { id: string }) => row.id }];
    expect(formatList([], columns, 'agents')).toBe('No agents found.');
    expect(formatList([{ id: 'a' }], columns, 'agents', 'c2')).toBe('ID\na\n\nMore agents: rerun with --cursor c2');
  });

  it('keep a cell on one line whatever the gateway sends', () => {
    expect(formatTable([{ name: 'evil\nname\u001b[2J' }], [{ header: 'NAME', value: (row) => row.name }])).toBe(
      'NAME\nevil name [2J',
    );
  });
});

describe('fields', () => {
  it('align values after the labels', () => {
    expect(formatFields([['ID', 'a'], ['Status', 'active']])).toBe('ID:      a\nStatus:  active');
  });
});

describe('agent output', () => {
  it('puts the agent id and the one-time API key first, with the warning to store it', () => {
    const lines = formatCreatedAgent({ agent, apiKey: { keyId: 'k1', key: 'ck_secret' } }).split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'Agent created.',
      `Agent ID:    ${agent.agentId}`,
      'API key:     ck_secret',
      'API key ID:  k1',
      'Store the API key now: it is shown only this once and cannot be retrieved later.',
    ]);
    expect(lines).toContain('Owner:        user@example.com');
  });

  it('shows metadata, absent values as "-" and the suspension reason', () => {
    const text = formatAgent({ ...agent, status: 'suspended', suspendedReason: 'runaway loop' });
    expect(text).toContain('Status:             suspended\nSuspension reason:  runaway loop');
    expect(text).toContain('Parent ID:          -');
    expect(text).toContain('Metadata:           team=ml, env=prod');
  });

  it('lists agents as a table', () => {
    expect(formatAgentList([agent], null).split('\n')[0]).toMatch(/^AGENT ID +NAME +OWNER +STATUS +PARENT ID +CREATED$/);
  });
});

describe('policy output', () => {
  it("shows money as the gateway's decimal string with its currency, and the window", () => {
    const text = formatPolicy(policy);
    expect(text).toContain('Limit:          100.00 USD');
    expect(text).toContain('Window:         daily (calendar, UTC)');
    expect(formatPolicy({ ...policy, windowType: 'rolling', timeWindow: 'hourly' })).toContain('Window:         hourly (rolling)');
  });

  it('keeps every digit of an amount in a list', () => {
    const list = formatPolicyList([policy, { ...policy, limit: '12345678901234567890.123456789' }], null);
    expect(list).toContain('  100.00  USD');
    expect(list).toContain('12345678901234567890.123456789  USD');
  });
});

describe('allowlist output', () => {
  it('shows the verdict, the normalised URL and the matched entry', () => {
    const entry: AllowlistEntry = {
      entryId: 'e1',
      agentId: agent.agentId,
      pattern: 'https://api.anthropic.com/*',
      patternType: 'glob',
      createdAt: '2024-01-01T00:00:00.000Z',
      removedAt: null,
    };
    const text = formatAllowlistTest({ allowed: true, normalizedUrl: 'https://api.anthropic.com/v1/messages', matchedEntry: entry, message: 'allowed by e1' });
    expect(text).toBe(
      [
        'Allowed:         yes',
        'Refused by:      -',
        'Normalized URL:  https://api.anthropic.com/v1/messages',
        'Matched entry:   e1 (glob https://api.anthropic.com/*)',
        'Address check:   -',
        'allowed by e1',
      ].join('\n'),
    );
  });

  it('names the rule that refused and the address blocks that decided', () => {
    const text = formatAllowlistTest({
      allowed: false,
      refusedBy: 'address_policy',
      error: 'resource_not_allowed',
      normalizedUrl: 'http://[::ffff:7f00:1]/',
      matchedEntry: null,
      addressCheck: {
        method: 'literal',
        addresses: [{
          address: '::ffff:7f00:1', allowed: false, block: '::ffff:0:0/96', blockName: 'IPv4-mapped Address',
          embedded: [{ address: '127.0.0.1', allowed: false, block: '127.0.0.0/8', blockName: 'Loopback', embedded: [] }],
        }],
      },
      message: 'refused (resource_not_allowed): ...',
    });
    expect(text).toBe(
      [
        'Allowed:         no',
        'Refused by:      address_policy',
        'Normalized URL:  http://[::ffff:7f00:1]/',
        'Matched entry:   -',
        'Address check:   literal: ::ffff:7f00:1 (::ffff:0:0/96 IPv4-mapped Address; 127.0.0.1 (127.0.0.0/8 Loopback))',
        'refused (resource_not_allowed): ...',
      ].join('\n'),
    );
  });
});
