import type { Command } from '@oclif/core';
import { readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const commandsDir = fileURLToPath(new URL('../../apps/cli/src/commands', import.meta.url));

/** The command ids oclif derives from the source files (agent/keys/list.ts -> "agent keys list"), sorted. */
export function cliCommandIds(): string[] {
  return readdirSync(commandsDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => file.replace(/\.ts$/, '').split(sep).join(' '))
    .sort();
}

/** The command class of an id, imported from its TypeScript source. */
export async function loadCliCommand(id: string): Promise<Command.Class> {
  const module = (await import(join(commandsDir, `${id.split(' ').join('/')}.ts`))) as { default: Command.Class };
  return module.default;
}
