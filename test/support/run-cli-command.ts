import { jest } from '@jest/globals';
import type { Command, Interfaces } from '@oclif/core';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// The root package.json minus command discovery: the tests hand oclif the command classes
// themselves instead of letting it import the compiled ones from dist/. The root is this folder,
// not the package's, so oclif does not read the build's oclif.manifest.json (the compiled commands).
const loadOptions: Interfaces.LoadOptions = {
  root: dirname(fileURLToPath(import.meta.url)),
  pjson: { name: 'caracal-core', version: '0.0.0', oclif: { bin: 'caracal', topicSeparator: ' ' } } as Interfaces.PJSON,
};

export interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The message of an oclif error that ended the run (a usage error oclif's own runner would print); undefined otherwise. */
  oclifError?: string;
}

/** Runs one CLI command in process (the TypeScript source), capturing its output and exit code. */
export async function runCliCommand(command: Command.Class, argv: string[]): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  // oclif's this.log and this.logToStderr write through console.
  jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void stdout.push(`${parts.join(' ')}\n`));
  jest.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void stderr.push(`${parts.join(' ')}\n`));
  let exitCode = 0;
  let oclifError: string | undefined;
  try {
    await command.run(argv, loadOptions);
  } catch (error) {
    // this.exit(n) and oclif's own usage errors carry their exit code here.
    const exit = (error as { oclif?: { exit?: number } }).oclif?.exit;
    if (exit === undefined) throw error;
    exitCode = exit;
    const message = (error as Error).message;
    if (!message.startsWith('EEXIT:')) oclifError = message;
  } finally {
    jest.restoreAllMocks();
  }
  return { stdout: stdout.join(''), stderr: stderr.join(''), exitCode, oclifError };
}
