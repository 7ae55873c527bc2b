import { runLoad } from './load-generator.js';
import type { BenchPath } from './paths/path.js';
import { treeCpuMs } from './process-stats.js';

export interface SustainedResult {
  requests: number;
  ok: number;
  failures: Record<string, number>;
  /** 2xx per second in each tenth of the run (by completed requests). */
  sliceRates: number[];
  lastOverFirst: number;
  gatewayCpuMsPerRequest: number;
}

/**
 * `requests` requests at c=64 on one hot budget, after a warm-up of `warmupMs` (so that the
 * first slice is not a cold process): a budget whose cost per decision grows with its history
 * shows here as falling slices.
 */
export async function runSustained(path: BenchPath, requests: number, warmupMs: number, onRunning: (gatewayUrl: string) => Promise<void>): Promise<SustainedResult | null> {
  const running = await path.start();
  try {
    let result: SustainedResult | null = null;
    if (requests > 0) {
      if (warmupMs > 0) await runLoad({ ...running.request, concurrency: 64, durationMs: warmupMs });
      const gateway = running.processes.find((child) => child.label === 'caracal-gateway');
      const cpuBefore = gateway ? treeCpuMs(gateway.pid) : 0;
      const load = await runLoad({ ...running.request, concurrency: 64, requests });
      const cpuMs = gateway ? treeCpuMs(gateway.pid) - cpuBefore : NaN;
      const ends = load.sliceEndsMs;
      // Slices are by completions, which may include non-2xx; with a budget that never denies
      // (and no failures, printed next to it) they are admissions.
      const sliceRates = ends.map((end, i) => (requests / 10) / ((end - (i === 0 ? 0 : ends[i - 1])) / 1000));
      result = {
        requests, ok: load.ok, failures: load.failures, sliceRates,
        lastOverFirst: sliceRates[sliceRates.length - 1] / sliceRates[0],
        gatewayCpuMsPerRequest: cpuMs / load.completed,
      };
    }
    await onRunning(running.request.origins[0]);
    return result;
  } finally {
    await running.stop();
  }
}
