import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { median } from '../support/spread.js';
import { ADMIN_TOKEN, REPO_ROOT } from './caracal-processes.js';

export interface CliTiming {
  command: string;
  runsMs: number[];
  medianMs: number;
}

/** Wall time of `node bin/caracal.js <args>` (process start to exit), `runs` times. */
export function timeCli(args: string[], gatewayUrl: string, runs: number): CliTiming {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const run = spawnSync(process.execPath, ['bin/caracal.js', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? REPO_ROOT, CARACAL_URL: gatewayUrl, CARACAL_TOKEN: ADMIN_TOKEN },
      encoding: 'utf8',
    });
    runsMs.push(performance.now() - start);
    if (run.status !== 0) throw new Error(`caracal ${args.join(' ')} exited with ${run.status}:\n${run.stderr}`);
  }
  return { command: `caracal ${args.join(' ')}`, runsMs, medianMs: median(runsMs) };
}
