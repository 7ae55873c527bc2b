// A budget's spend history (libs/domain/src/budget/spend-history.ts) on the charge path: what one
// addSpend (every settled charge, per subtree) and one spentBetween (every decision, per policy)
// cost on a fresh history and on a month-busy one (a charge in every quarter-hour for 34 days and
// every minute of the last 77), and the heap one month-busy history holds. With --baseline, the
// same figures for another build's spend-history.js, round by round in one run.
//
//   npm run build && node --expose-gc dist/bench/spend-history/main.js [--rounds 5] [--calls 20000] [--baseline /path/to/other/checkout]
import { addSpend, emptySpendHistory, spentBetween, type SpendHistory } from '@caracal/domain';
import { median } from '../support/spread.js';
import { parseBenchFlags } from '../support/bench-flags.js';

interface SpendHistoryModule {
  addSpend: typeof addSpend;
  spentBetween: typeof spentBetween;
  emptySpendHistory: SpendHistory;
}

const MINUTE_MS = 60_000;
const QUARTER_HOUR_MS = 15 * MINUTE_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const flags = parseBenchFlags({ rounds: { type: 'string', default: '5' }, calls: { type: 'string', default: '20000' }, baseline: { type: 'string' } });
const rounds = Number(flags.rounds);
const calls = Number(flags.calls);
const NOW = Date.UTC(2026, 11, 5, 16, 7, 0);

const builds: [string, SpendHistoryModule][] = [['this build', { addSpend, spentBetween, emptySpendHistory }]];
if (flags.baseline) builds.push([`build of ${flags.baseline}`, await import(`${flags.baseline}/dist/libs/domain/src/budget/spend-history.js`)]);

function monthBusy(module: SpendHistoryModule): SpendHistory {
  let history = module.emptySpendHistory;
  for (let at = NOW - 34 * DAY_MS + QUARTER_HOUR_MS; at < NOW - 77 * MINUTE_MS; at += QUARTER_HOUR_MS) history = module.addSpend(history, at, 1_000_003n, at);
  for (let at = NOW - 77 * MINUTE_MS; at < NOW; at += MINUTE_MS) history = module.addSpend(history, at, 1_000_003n, at);
  return history;
}

/** µs per call of `step`, over `calls` calls after as many to warm up. */
function perCall(step: (i: number) => void): number {
  for (let i = 0; i < calls; i++) step(i);
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) step(i);
  return Number(process.hrtime.bigint() - started) / 1_000 / calls;
}

function heapPerHistoryKiB(module: SpendHistoryModule): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  gc();
  const before = used();
  const kept = Array.from({ length: 100 }, () => monthBusy(module));
  gc();
  const after = used();
  return (after - before) / kept.length / 1024;
}

const figures = new Map<string, Map<string, number[]>>();
const record = (build: string, what: string, value: number) => {
  const byWhat = figures.get(build) ?? new Map<string, number[]>();
  byWhat.set(what, [...(byWhat.get(what) ?? []), value]);
  figures.set(build, byWhat);
};

for (let round = 0; round < rounds; round++) {
  for (const [name, module] of builds) {
    for (const [shape, start] of [['fresh', module.addSpend(module.emptySpendHistory, NOW - MINUTE_MS, 1_000n, NOW - MINUTE_MS)], ['month-busy', monthBusy(module)]] as const) {
      let history = start;
      record(name, `addSpend, ${shape}`, perCall((i) => (history = module.addSpend(history, NOW + (i % 50), 1_000n, NOW + (i % 50)))));
      let sink = 0n;
      record(name, `spentBetween today, ${shape}`, perCall(() => (sink += module.spentBetween(start, NOW - 16 * HOUR_MS - 7 * MINUTE_MS, NOW))));
      record(name, `spentBetween 30 days rolling, ${shape}`, perCall(() => (sink += module.spentBetween(start, NOW - 30 * DAY_MS - 7 * MINUTE_MS, NOW))));
      if (sink < 0n) console.log(sink); // the sums are used, so the calls are not optimised away
    }
    const heap = heapPerHistoryKiB(module);
    if (heap !== null) record(name, 'heap per month-busy history (KiB)', heap);
  }
}

console.log(`spend history: ${rounds} rounds of ${calls} calls; medians (µs per call, KiB)${(globalThis as { gc?: unknown }).gc ? '' : '; heap not measured (run with --expose-gc)'}\n`);
const names = builds.map(([name]) => name);
console.log(`| measure | ${names.join(' | ')} |`);
console.log(`|---|${names.map(() => '---').join('|')}|`);
for (const what of figures.get(names[0])?.keys() ?? []) {
  console.log(`| ${what} | ${names.map((name) => median(figures.get(name)?.get(what) ?? []).toFixed(2)).join(' | ')} |`);
}
