import { spawn } from 'node:child_process';
import type { LoadResult, LoadSpec } from './load-spec.js';

/** Runs one load in a fresh generator process (load-generator-worker.ts) and returns its result. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const child = spawn(process.execPath, [new URL('./load-generator-worker.js', import.meta.url).pathname, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  if (code !== 0) throw new Error(`load generator exited with ${code}:\n${stderr}`);
  return JSON.parse(stdout) as LoadResult;
}
