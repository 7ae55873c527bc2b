import { describe, expect, it } from '@jest/globals';
import { cliCommandIds as commandIds, loadCliCommand } from '../../../test/support/cli-commands.js';

describe('command list', () => {
  it('has exactly the documented commands', () => {
    expect(commandIds()).toEqual([
      'agent create', 'agent get', 'agent history',
      'agent keys create', 'agent keys list', 'agent keys revoke', 'agent keys rotate',
      'agent list', 'agent reactivate', 'agent suspend', 'agent update',
      'allowlist create', 'allowlist delete', 'allowlist list', 'allowlist test',
      'db health-check', 'db reset',
      'dlq discard', 'dlq get', 'dlq list', 'dlq retry',
      'kafka consumer-lag',
      'ledger query',
      'merkle consistency', 'merkle export',
      'merkle key export-public', 'merkle key generate', 'merkle key rotate',
      'merkle list-batches', 'merkle prove', 'merkle verify-batch', 'merkle verify-export', 'merkle verify-range',
      'policy create', 'policy deactivate', 'policy get', 'policy history', 'policy list', 'policy update',
      'pricebook get', 'pricebook list', 'pricebook set',
    ]);
  });

  it.each(commandIds())('"%s" has a summary and examples that name it, and the global flags', async (id) => {
    const command = await loadCliCommand(id);
    expect(command.summary).toBeTruthy();
    const examples = (command.examples ?? []) as { command: string }[];
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(`${example.command} `.startsWith(`caracal ${id} `)).toBe(true);
    expect(Object.keys(command.baseFlags ?? {})).toEqual(expect.arrayContaining(['token', 'data-dir', 'json']));
  });
});
