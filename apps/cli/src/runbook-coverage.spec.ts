// README promises that the runbook's `caracal` commands run as written, and lists the ones that
// do not exist yet. These tests keep that promise true in both directions.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { cliCommandIds } from '@caracal/test-support/cli-command-ids.js';
import { REPO_ROOT } from '@caracal/test-support/gateway-process.js';
import { RUNBOOK_PATH, runbookCommands } from '@caracal/test-support/runbook.js';

const SHARED_RUNBOOK = `${REPO_ROOT}../shared/operational-runbook.txt`;

/** "caracal snapshot restore --snapshot-id <id>" -> "snapshot restore": the words before the first flag or value. */
function commandIdOf(commandLine: string): string {
  const words = commandLine.split(/\s+/).slice(1);
  const end = words.findIndex((word) => word.startsWith('-') || word.startsWith('<') || word.startsWith('"') || word === '\\');
  return words.slice(0, end === -1 ? words.length : end).join(' ');
}

/** The command ids README lists between its runbook-commands-not-yet markers. */
function readmeNotYet(): string[] {
  const readme = readFileSync(`${REPO_ROOT}README.md`, 'utf8');
  const section = /<!-- runbook-commands-not-yet -->([\s\S]*?)<!-- \/runbook-commands-not-yet -->/.exec(readme);
  if (!section) throw new Error('README.md has no runbook-commands-not-yet section');
  return [...section[1].matchAll(/`caracal ([^`]+)`/g)].map((match) => match[1]).sort();
}

describe('the operators runbook in the repository', () => {
  it('is the shared runbook, unchanged (when shared/ is beside the repository)', () => {
    const copy = readFileSync(RUNBOOK_PATH, 'utf8');
    expect(copy).toContain('caracal db reset --confirm');
    if (existsSync(SHARED_RUNBOOK)) expect(copy).toBe(readFileSync(SHARED_RUNBOOK, 'utf8'));
  });

  it('names only commands the CLI has, or ones README lists as not there yet', () => {
    const existing = new Set(cliCommandIds());
    const runbookIds = [...new Set(runbookCommands().map(commandIdOf))].sort();
    const missing = runbookIds.filter((id) => !existing.has(id));
    expect(missing).toEqual(readmeNotYet());
  });
});
