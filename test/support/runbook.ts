import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './gateway-process.js';

/** The operators' runbook, as the repository keeps it (a copy of shared/operational-runbook.txt). */
export const RUNBOOK_PATH = `${REPO_ROOT}docs/operational-runbook.txt`;

/**
 * Every `caracal ...` command in the runbook, joined across its backslash-continued lines,
 * exactly as an operator would paste it into a shell.
 */
export function runbookCommands(): string[] {
  const lines = readFileSync(RUNBOOK_PATH, 'utf8').split('\n');
  const commands: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('caracal ')) continue;
    let command = lines[i];
    while (command.endsWith('\\') && i + 1 < lines.length) command = `${command}\n${lines[++i]}`;
    commands.push(command);
  }
  return commands;
}

/** The runbook command that starts with `prefix` (e.g. "caracal policy create"), with `<agent-id>` filled in. */
export function runbookCommand(prefix: string, ids: Record<string, string> = {}, nth = 0): string {
  const found = runbookCommands().filter((c) => c.startsWith(prefix));
  if (found.length <= nth) throw new Error(`the runbook has no command #${nth + 1} starting with "${prefix}"`);
  return Object.entries(ids).reduce((command, [name, value]) => command.replaceAll(`<${name}>`, value), found[nth]);
}
