import { runLoad } from './load-generator.js';
import type { LoadResult } from './load-spec.js';
import type { MockUpstream } from './mock-upstream.js';
import type { RunningPath } from './paths/path.js';
import { backendCpuDelta, type PostgresStats } from './postgres-stats.js';
import { treeCpuMs } from './process-stats.js';

/** One measured load against one path, and what it cost each process. */
export interface Window {
  load: LoadResult;
  /** CPU of the path's processes while the load ran, by process label (several gateways summed). */
  cpuMsByProcess: Record<string, number>;
  mockCpuMs: number;
  /** PostgreSQL: backends of the path's database, and its statistics; null without a database. */
  postgres: { cpuMs: number; transactions: number; rowsWritten: number; walFlushes: number } | null;
}

export interface WindowSettings {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
}

/**
 * A warm-up load (not measured), then the measured load with CPU read from /proc right before
 * and after it; PostgreSQL's counters are read once they have settled on both sides.
 */
export async function measureWindow(running: RunningPath, settings: WindowSettings, mock: MockUpstream, pg: { stats: PostgresStats; database: string } | null): Promise<Window> {
  const spec = { ...running.request, concurrency: settings.concurrency };
  if (settings.warmupMs > 0) await runLoad({ ...spec, durationMs: settings.warmupMs });
  const countersBefore = pg ? await pg.stats.settledCounters(pg.database) : null;

  const backendsBefore = pg ? await pg.stats.backendCpu(pg.database) : null;
  const processesBefore = running.processes.map((child) => treeCpuMs(child.pid));
  const mockBefore = treeCpuMs(mock.child.pid);
  const load = await runLoad({ ...spec, durationMs: settings.durationMs });
  const mockCpuMs = treeCpuMs(mock.child.pid) - mockBefore;
  const cpuMsByProcess: Record<string, number> = {};
  running.processes.forEach((child, i) => {
    cpuMsByProcess[child.label] = (cpuMsByProcess[child.label] ?? 0) + treeCpuMs(child.pid) - processesBefore[i];
  });
  const backendsAfter = pg ? await pg.stats.backendCpu(pg.database) : null;

  let postgres: Window['postgres'] = null;
  if (pg && countersBefore && backendsBefore && backendsAfter) {
    const countersAfter = await pg.stats.settledCounters(pg.database);
    postgres = {
      cpuMs: backendCpuDelta(backendsBefore, backendsAfter),
      transactions: countersAfter.transactions - countersBefore.transactions,
      rowsWritten: countersAfter.rowsWritten - countersBefore.rowsWritten,
      walFlushes: countersAfter.walFlushes - countersBefore.walFlushes,
    };
  }
  return { load, cpuMsByProcess, mockCpuMs, postgres };
}
