/**
 * CLI start-up benchmark: wall time of `caracal --help` and `caracal agent list` as an operator
 * runs them (a new node process each), next to `node -e 0` (Node's own start-up) in the same run.
 * Not a test.
 *
 *   npm run build && node dist/bench/cli/main.js [--runs 10] [--baseline <other checkout>]
 *
 * `agent list` runs against an embedded gateway this benchmark starts (a temporary data dir, free
 * ports, three agents); the CLI finds it through CARACAL_DATA_DIR, as in the README. Each round runs
 * every case once, in turn, so a burst of load on this noisy machine hits all cases alike. With
 * --baseline, the same commands of another built checkout (its bin/caracal.js) are interleaved too,
 * for before/after figures from one run. Results: docs/benchmarks.md, "CLI start-up (issue 9)".
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { describeSpread, median } from '../support/spread.js';
import { parseBenchFlags } from '../support/bench-flags.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GOALS_MS: Record<string, number> = { '--help': 350, 'agent list': 500 };
const GATEWAY_START_DEADLINE_MS = 60_000;

const args = parseBenchFlags({
  runs: { type: 'string', default: '10' },
  baseline: { type: 'string' },
});
const RUNS = Number(args.runs);

interface Case {
  name: string;
  argv: string[];
  /** The CLI goal this case is held to, if any. */
  goalMs?: number;
}

function cliCases(label: string, root: string): Case[] {
  const bin = join(root, 'bin', 'caracal.js');
  return [
    { name: `${label}caracal --help`, argv: [bin, '--help'], goalMs: GOALS_MS['--help'] },
    { name: `${label}caracal agent list`, argv: [bin, 'agent', 'list'], goalMs: GOALS_MS['agent list'] },
  ];
}

/** Starts the built embedded gateway; resolves, once it says where it listens, with its stop function. */
async function startGateway(dataDir: string): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/apps/gateway/src/main.js')], {
    env: { ...process.env, CARACAL_DATA_DIR: dataDir, CARACAL_PORT: '0', CARACAL_METRICS_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolveExited) => child.once('exit', () => resolveExited()));
  await new Promise<void>((resolveStarted, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start within ${GATEWAY_START_DEADLINE_MS} ms:\n${output}`)), GATEWAY_START_DEADLINE_MS);
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/listening on http/.test(output)) {
        clearTimeout(timer);
        resolveStarted();
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before it listened:\n${output}`));
    });
  });
  return async () => {
    child.kill('SIGTERM');
    await exited;
  };
}

/** Runs one case to completion; its wall time in ms. A failing command fails the benchmark. */
function timeRun(testCase: Case, env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, testCase.argv, { env, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${testCase.name} exited with ${result.status}:\n${result.stderr}`);
  return elapsed;
}

const dataDir = mkdtempSync(join(tmpdir(), 'caracal-bench-cli-'));
const stopGateway = await startGateway(dataDir);
try {
  const env = { ...process.env, CARACAL_DATA_DIR: dataDir };
  for (const name of ['bench-agent-1', 'bench-agent-2', 'bench-agent-3']) {
    timeRun({ name: 'agent create', argv: [join(REPO_ROOT, 'bin/caracal.js'), 'agent', 'create', '--name', name, '--description', 'CLI benchmark', '--owner', 'bench@example.com'] }, env);
  }
  const cases: Case[] = [
    { name: 'node -e 0', argv: ['-e', '0'] },
    ...(args.baseline === undefined ? [] : cliCases('baseline: ', resolve(args.baseline))),
    ...cliCases('', REPO_ROOT),
  ];
  const times = new Map<string, number[]>(cases.map((testCase) => [testCase.name, []]));
  for (const testCase of cases) timeRun(testCase, env); // warm-up: file cache, not measured
  const loadBefore = loadavg()[0];
  for (let round = 0; round < RUNS; round++) {
    for (const testCase of cases) times.get(testCase.name)!.push(timeRun(testCase, env));
  }
  console.log(`CLI start-up, ${RUNS} runs each, interleaved; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`);
  console.log('case                              wall ms: median (min-max)   goal');
  for (const testCase of cases) {
    const runs = times.get(testCase.name)!;
    const goal = testCase.goalMs === undefined ? '' : `≤ ${testCase.goalMs} ms: ${median(runs) <= testCase.goalMs ? 'met' : 'missed'}`;
    console.log(`${testCase.name.padEnd(34)}${describeSpread(runs).padEnd(28)}${goal}`);
  }
} finally {
  await stopGateway();
  rmSync(dataDir, { recursive: true, force: true });
}
