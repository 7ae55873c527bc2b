import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// CPU and memory of other processes, read from /proc (Linux only): the benchmark charges each
// process of a path for the CPU it spent while the load ran.

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** Fields of a /proc stat file (a process's, or one thread's) after the command name, which may itself hold spaces. */
function statFields(pid: number, file = `/proc/${pid}/stat`): string[] | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null; // the process is gone
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** User and system CPU so far, in ms, from a stat file's fields (zero when it is gone). */
function userSystemMs(fields: string[] | null): { userMs: number; systemMs: number } {
  if (!fields) return { userMs: 0, systemMs: 0 };
  // utime and stime are fields 14 and 15 of stat(5); fields[0] is field 3.
  return { userMs: (Number(fields[11]) * 1000) / TICKS_PER_SECOND, systemMs: (Number(fields[12]) * 1000) / TICKS_PER_SECOND };
}

/** User + system CPU the process has used so far, in ms (0 when it is gone). */
export function cpuMs(pid: number): number {
  const { userMs, systemMs } = userSystemMs(statFields(pid));
  return userMs + systemMs;
}

/** `pid` and every process below it (nginx's workers are children of its master). */
export function processTree(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields) parentOf.set(Number(entry), Number(fields[1]));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/**
 * User and system CPU of the process's main thread so far, in ms: a Node process's JavaScript
 * runs there; its other threads are V8's (GC, compilers) and libuv's.
 */
export function mainThreadCpuMs(pid: number): { userMs: number; systemMs: number } {
  return userSystemMs(statFields(pid, `/proc/${pid}/task/${pid}/stat`));
}

export function treeCpuMs(pid: number): number {
  return processTree(pid).reduce((sum, member) => sum + cpuMs(member), 0);
}

/** Peak resident set (VmHWM) of the process and its children, in MB. */
export function treePeakRssMb(pid: number): number {
  let kb = 0;
  for (const member of processTree(pid)) {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${member}/status`, 'utf8'));
      if (match) kb += Number(match[1]);
    } catch {
      // gone between listing and reading
    }
  }
  return kb / 1024;
}
