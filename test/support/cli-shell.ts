import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './gateway-process.js';

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A folder holding a `caracal` executable for the built CLI, to put first on PATH. */
export function caracalBinDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'caracal-bin-'));
  const path = join(dir, 'caracal');
  writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${REPO_ROOT}bin/caracal.js" "$@"\n`);
  chmodSync(path, 0o755);
  return dir;
}

/** Runs a command line through bash, as an operator's terminal would. */
export function sh(commandLine: string, options: { cwd: string; env: Record<string, string>; binDir: string }): Promise<ShellResult> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', commandLine],
      {
        cwd: options.cwd,
        env: { HOME: process.env.HOME ?? options.cwd, PATH: `${options.binDir}:${process.env.PATH ?? ''}`, ...options.env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
