import { describeSpread } from '../support/spread.js';
import type { CliTiming } from './cli-timing.js';
import type { Goal } from './goals.js';
import type { SustainedResult } from './sustained.js';
import type { PathSummary } from './summary.js';

// The benchmark's printed result: Markdown tables, ready to paste into docs/benchmarks.md.

const ms = (value: number | null) => (value === null ? '–' : value.toFixed(2));
const mb = (value: number | undefined) => (value === undefined ? '–' : String(Math.round(value)));

function failures(summary: PathSummary): string {
  const entries = Object.entries(summary.failures);
  return entries.length === 0 ? '0' : entries.map(([status, n]) => `${n} × ${status}`).join(', ');
}

/** The proxy's own processes: everything but the projector (itemised in the CPU table). */
function proxyLabels(summary: PathSummary): string[] {
  return Object.keys(summary.cpuMsPerRequest).filter((label) => !['caracal-projector', 'postgres', 'mock', 'generator'].includes(label));
}

export function printReport(summaries: PathSummary[], sustained: SustainedResult | null, cli: CliTiming[], goals: Goal[]): void {
  console.log('\n| path | added p50 at c=1 (ms) | added p99 at c=1 (ms) | 2xx/s at c=64 | p99 at c=64 (ms) | non-2xx | peak RSS (MB) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const s of summaries) {
    const rss = Object.entries(s.peakRssMb).map(([label, value]) => `${label} ${mb(value)}`).join(', ') || '–';
    console.log(`| ${s.name} | ${ms(s.addedP50Ms)} | ${ms(s.addedP99Ms)} | ${describeSpread(s.okPerSecond)} | ${s.c64P99Ms.toFixed(1)} | ${failures(s)} | ${rss} |`);
  }
  const direct = summaries.find((s) => s.id === 'direct');
  if (direct) console.log(`\nDirect to the mock at c=1: p50 ${ms(direct.p50Ms)} ms, p99 ${ms(direct.p99Ms)} ms (the "added" columns subtract these, round by round).`);

  console.log('\nCPU per request at c=64 (ms), and PostgreSQL work per request of the path\'s database:\n');
  console.log('| path | proxy process(es) | projector | PostgreSQL backends | mock | load generator | transactions/req c=1 | c=64 | rows written/req c=1 | c=64 | WAL flushes/req c=1 | c=64 |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of summaries) {
    const proxy = proxyLabels(s).reduce((sum, label) => sum + s.cpuMsPerRequest[label], 0);
    const cell = (label: string) => (s.cpuMsPerRequest[label] === undefined ? '–' : s.cpuMsPerRequest[label].toFixed(2));
    console.log(`| ${s.name} | ${proxyLabels(s).length === 0 ? '–' : proxy.toFixed(2)} | ${cell('caracal-projector')} | ${cell('postgres')} | ${cell('mock')} | ${cell('generator')} | ${ms(s.transactionsPerRequestC1)} | ${ms(s.transactionsPerRequestC64)} | ${ms(s.rowsPerRequestC1)} | ${ms(s.rowsPerRequestC64)} | ${ms(s.walFlushesPerRequestC1)} | ${ms(s.walFlushesPerRequestC64)} |`);
  }

  if (sustained) {
    console.log(`\nSustained: ${sustained.requests.toLocaleString('en-US')} requests on one budget at c=64 (Caracal production, 1 gateway): ${sustained.ok.toLocaleString('en-US')} 2xx, failures ${JSON.stringify(sustained.failures)}`);
    console.log(`admissions/s per 10% slice: ${sustained.sliceRates.map((rate) => Math.round(rate)).join(' → ')}; last/first ${sustained.lastOverFirst.toFixed(2)}; gateway CPU ${sustained.gatewayCpuMsPerRequest.toFixed(2)} ms/request`);
  }
  for (const timing of cli) console.log(`\n\`${timing.command}\`: median ${Math.round(timing.medianMs)} ms over ${timing.runsMs.length} runs (${describeSpread(timing.runsMs)})`);

  console.log('\nIssue 9 goals (this run):\n');
  console.log('| goal | measured | met |');
  console.log('|---|---|---|');
  for (const goal of goals) console.log(`| ${goal.goal} | ${goal.measured} | ${goal.met === null ? '–' : goal.met ? 'yes' : 'no'} |`);
}
