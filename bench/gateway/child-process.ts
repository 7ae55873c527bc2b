import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A process the benchmark started. Its output goes to a file, not through a pipe, so that the
 * benchmark spends no CPU reading the logs of the processes it measures.
 */
export interface BenchChild {
  label: string;
  pid: number;
  logFile: string;
  log(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

const live = new Set<BenchChild>();

export function spawnLogged(label: string, command: string, args: string[], options: { env: Record<string, string>; cwd: string; logDir: string }): BenchChild {
  const logFile = join(options.logDir, `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}.log`);
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? options.cwd, ...options.env },
    stdio: ['ignore', fd, fd],
  });
  if (child.pid === undefined) throw new Error(`${label}: could not start ${command}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: BenchChild = {
    label,
    pid: child.pid,
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      live.delete(handle);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killed = sleep(10_000).then(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      await Promise.race([exited, killed]);
      await exited;
    },
  };
  live.add(handle);
  return handle;
}

/** Stops every child still running (the benchmark's last cleanup, also after a failure). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop()));
}

/** Polls the child's log until `pattern` matches; returns the first capture group. */
export async function waitForLog(child: BenchChild, pattern: RegExp, deadlineMs = 60_000): Promise<string> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    const match = pattern.exec(child.log());
    if (match) return match[1] ?? match[0];
    await sleep(100);
  }
  throw new Error(`${child.label} did not log ${pattern} within ${deadlineMs} ms:\n${child.log().slice(-4000)}`);
}

/** Polls `url` until it answers at all (any status): the server is listening. */
export async function waitForHttp(child: BenchChild, url: string, deadlineMs = 60_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${child.label} did not answer ${url} within ${deadlineMs} ms:\n${child.log().slice(-4000)}`);
}
