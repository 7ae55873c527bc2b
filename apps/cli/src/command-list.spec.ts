import { describe, expect, it } from '@jest/globals';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '@oclif/core';
import { cliCommandIds } from '@caracal/test-support/cli-command-ids.js';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

describe('command list', () => {
  it('has exactly the documented commands', () => {
    expect(cliCommandIds()).toEqual([
      'agent create', 'agent get', 'agent history',
      'agent keys create', 'agent keys list', 'agent keys revoke', 'agent keys rotate',
      'agent list', 'agent reactivate', 'agent suspend', 'agent update',
      'allowlist create', 'allowlist delete', 'allowlist list', 'allowlist test',
      'backup create', 'backup list', 'backup restore', 'backup verify',
      'db health-check', 'db reset',
      'dlq discard', 'dlq get', 'dlq list', 'dlq retry',
      'kafka consumer-lag',
      'ledger query',
      'merkle consistency', 'merkle event-key rotate', 'merkle export',
      'merkle key export-public', 'merkle key generate', 'merkle key rotate',
      'merkle list-batches', 'merkle prove', 'merkle verify-batch', 'merkle verify-export', 'merkle verify-range',
      'policy create', 'policy deactivate', 'policy get', 'policy history', 'policy list', 'policy update',
      'pricebook get', 'pricebook list', 'pricebook set',
      'replay start', 'replay status',
      'snapshot create', 'snapshot delete', 'snapshot list', 'snapshot restore', 'snapshot verify',
    ]);
  });

  it.each(cliCommandIds())('"%s" has a summary and examples that name it, and the global flags', async (id) => {
    const module = (await import(join(commandsDir, `${id.split(' ').join('/')}.ts`))) as { default: Command.Class };
    const command = module.default;
    expect(command.summary).toBeTruthy();
    const examples = (command.examples ?? []) as { command: string }[];
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(`${example.command} `.startsWith(`caracal ${id} `)).toBe(true);
    expect(Object.keys(command.baseFlags ?? {})).toEqual(expect.arrayContaining(['token', 'data-dir', 'json']));
  });
});
