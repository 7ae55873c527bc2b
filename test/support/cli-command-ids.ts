import type { Command } from '@oclif/core';
import { readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { REPO_ROOT } from './gateway-process.js';

const COMMANDS_DIR = `${REPO_ROOT}apps/cli/src/commands`;

/** The command ids oclif derives from the CLI's files (agent/keys/list.ts -> "agent keys list"). */
export function cliCommandIds(): string[] {
  return readdirSync(COMMANDS_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => file.replace(/\.ts$/, '').split(sep).join(' '))
    .sort();
}

/** The command class of an id, imported from its TypeScript source. */
export async function loadCliCommand(id: string): Promise<Command.Class> {
  const module = (await import(join(COMMANDS_DIR, `${id.split(' ').join('/')}.ts`))) as { default: Command.Class };
  return module.default;
}
