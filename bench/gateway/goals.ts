import type { CliTiming } from './cli-timing.js';
import type { SustainedResult } from './sustained.js';
import type { PathSummary } from './summary.js';

export interface Goal {
  goal: string;
  measured: string;
  met: boolean | null;
}

/** Issue 9's goals, each judged on this run's medians (ratios are ratios of medians). */
export function judgeGoals(byId: Map<string, PathSummary>, sustained: SustainedResult | null, cli: CliTiming[]): Goal[] {
  const goals: Goal[] = [];
  const rate = (id: string) => byId.get(id)?.okPerSecondMedian ?? null;
  const ratio = (a: number | null, b: number | null) => (a === null || b === null ? null : a / b);
  const fmt = (value: number | null, digits = 2) => (value === null ? 'n/a' : value.toFixed(digits));
  const add = (goal: string, measured: string, met: boolean | null) => goals.push({ goal, measured, met });

  const p50 = byId.get('prod-1')?.addedP50Ms ?? null;
  const portkeyP50 = byId.get('portkey')?.addedP50Ms ?? null;
  // The bounds, where the run measured them: the stack with a durable commit and nothing else.
  const floorP50 = byId.get('bare-commit')?.addedP50Ms ?? null;
  const floor = floorP50 === null ? '' : `; the stack + one durable commit ${fmt(floorP50)} ms`;
  add('added p50 at c=1 (PostgreSQL) below Portkey\'s and <= 1.5 ms', `${fmt(p50)} ms (Portkey ${fmt(portkeyP50)} ms${floor})`,
    p50 === null || portkeyP50 === null ? null : p50 < portkeyP50 && p50 <= 1.5);

  const overPortkey = ratio(rate('prod-1'), rate('portkey'));
  const overNginx = ratio(rate('prod-1'), rate('nginx'));
  add('one hot budget at c=64 >= 2x Portkey and >= 0.1x nginx', `${fmt(overPortkey)}x Portkey, ${fmt(overNginx)}x nginx`,
    overPortkey === null || overNginx === null ? null : overPortkey >= 2 && overNginx >= 0.1);

  const manyOverOne = ratio(rate('prod-64'), rate('prod-1'));
  add('64 budgets >= 1 budget', `${fmt(manyOverOne)}x`, manyOverOne === null ? null : manyOverOne >= 1);

  add('sustained: last 10% >= 0.9x first 10%', sustained ? `${fmt(sustained.lastOverFirst)}x over ${sustained.requests.toLocaleString('en-US')} requests` : 'not run',
    sustained ? sustained.lastOverFirst >= 0.9 : null);

  for (const processes of [2, 4]) {
    const value = ratio(rate(`prod-${processes}proc`), rate('prod-1'));
    // How this machine scales processes that share nothing: the bound under this goal.
    const stateless = ratio(rate(`bare-proxy-${processes}proc`), rate('bare-proxy'));
    const bound = stateless === null ? '' : ` (the stack alone, ${processes} processes over 1: ${fmt(stateless)}x)`;
    add(`${processes} gateway processes on one hot budget >= 1x one`, `${fmt(value)}x${bound}`, value === null ? null : value >= 1);
  }

  const embedded = byId.get('embedded');
  add('embedded at c=64: >= 500 2xx/s and p99 <= 250 ms', embedded ? `${Math.round(embedded.okPerSecondMedian)} 2xx/s, p99 ${Math.round(embedded.c64P99Ms)} ms` : 'not run',
    embedded ? embedded.okPerSecondMedian >= 500 && embedded.c64P99Ms <= 250 : null);

  const productionRss = Math.max(...['prod-1', 'prod-64', 'prod-2proc', 'prod-4proc'].map((id) => byId.get(id)?.peakRssMb['caracal-gateway'] ?? 0));
  add('peak RSS of a production gateway process <= 150 MB', productionRss > 0 ? `${Math.round(productionRss)} MB` : 'not run', productionRss > 0 ? productionRss <= 150 : null);
  const embeddedRss = embedded?.peakRssMb['caracal-gateway'] ?? null;
  add('peak RSS embedded <= 300 MB', embeddedRss === null ? 'not run' : `${Math.round(embeddedRss)} MB`, embeddedRss === null ? null : embeddedRss <= 300);

  for (const [command, limit] of [['caracal --help', 350], ['caracal agent list', 500]] as const) {
    const timing = cli.find((t) => t.command === command);
    add(`\`${command}\` <= ${limit} ms`, timing ? `${Math.round(timing.medianMs)} ms` : 'not run', timing ? timing.medianMs <= limit : null);
  }
  return goals;
}
