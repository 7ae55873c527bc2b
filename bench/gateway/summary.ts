import { median } from '../support/spread.js';
import type { Window } from './measurement.js';

/** What one round measured on one path. */
export interface RoundResult {
  c1: Window | null;
  c64: Window;
  /** Peak RSS (VmHWM) of the largest process of each label, in MB. */
  peakRssMb: Record<string, number>;
}

/** A path's figures: medians over the rounds (per-round values kept for the spread). */
export interface PathSummary {
  id: string;
  name: string;
  addedP50Ms: number | null;
  addedP99Ms: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  okPerSecond: number[];
  okPerSecondMedian: number;
  c64P99Ms: number;
  /** Non-2xx answers and failed requests over every measured window (warm-ups not counted). */
  failures: Record<string, number>;
  cpuMsPerRequest: Record<string, number>;
  transactionsPerRequestC1: number | null;
  transactionsPerRequestC64: number | null;
  rowsPerRequestC1: number | null;
  rowsPerRequestC64: number | null;
  walFlushesPerRequestC1: number | null;
  walFlushesPerRequestC64: number | null;
  peakRssMb: Record<string, number>;
}

export function summarise(id: string, name: string, rounds: RoundResult[], direct: RoundResult[] | null): PathSummary {
  const c1 = rounds.map((round) => round.c1).filter((w): w is Window => w !== null);
  const perRequest = (windows: Window[], value: (w: Window) => number) => (windows.length === 0 ? null : median(windows.map((w) => value(w) / w.load.completed)));
  const added = (pick: (w: Window) => number) => {
    if (!direct || c1.length === 0) return null;
    const deltas = rounds.flatMap((round, i) => (round.c1 && direct[i]?.c1 ? [pick(round.c1) - pick(direct[i].c1!)] : []));
    return deltas.length === 0 ? null : median(deltas);
  };

  const c64 = rounds.map((round) => round.c64);
  const okPerSecond = c64.map((w) => w.load.ok / (w.load.elapsedMs / 1000));
  const failures: Record<string, number> = {};
  for (const w of [...c1, ...c64]) for (const [status, n] of Object.entries(w.load.failures)) failures[status] = (failures[status] ?? 0) + n;

  const labels = new Set(c64.flatMap((w) => Object.keys(w.cpuMsByProcess)));
  const cpuMsPerRequest: Record<string, number> = {};
  for (const label of labels) cpuMsPerRequest[label] = perRequest(c64, (w) => w.cpuMsByProcess[label] ?? 0)!;
  const withPostgres = c64.filter((w) => w.postgres !== null);
  if (withPostgres.length > 0) cpuMsPerRequest.postgres = perRequest(withPostgres, (w) => w.postgres!.cpuMs)!;
  cpuMsPerRequest.mock = perRequest(c64, (w) => w.mockCpuMs)!;
  cpuMsPerRequest.generator = perRequest(c64, (w) => w.load.cpuMs)!;

  const c1Postgres = c1.filter((w) => w.postgres !== null);
  const peakRssMb: Record<string, number> = {};
  for (const round of rounds) for (const [label, mb] of Object.entries(round.peakRssMb)) peakRssMb[label] = Math.max(peakRssMb[label] ?? 0, mb);

  return {
    id, name,
    addedP50Ms: added((w) => w.load.p50Ms),
    addedP99Ms: added((w) => w.load.p99Ms),
    p50Ms: c1.length === 0 ? null : median(c1.map((w) => w.load.p50Ms)),
    p99Ms: c1.length === 0 ? null : median(c1.map((w) => w.load.p99Ms)),
    okPerSecond,
    okPerSecondMedian: median(okPerSecond),
    c64P99Ms: median(c64.map((w) => w.load.p99Ms)),
    failures,
    cpuMsPerRequest,
    transactionsPerRequestC1: perRequest(c1Postgres, (w) => w.postgres!.transactions),
    transactionsPerRequestC64: perRequest(withPostgres, (w) => w.postgres!.transactions),
    rowsPerRequestC1: perRequest(c1Postgres, (w) => w.postgres!.rowsWritten),
    rowsPerRequestC64: perRequest(withPostgres, (w) => w.postgres!.rowsWritten),
    walFlushesPerRequestC1: perRequest(c1Postgres, (w) => w.postgres!.walFlushes),
    walFlushesPerRequestC64: perRequest(withPostgres, (w) => w.postgres!.walFlushes),
    peakRssMb,
  };
}
