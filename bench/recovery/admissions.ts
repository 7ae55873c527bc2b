import { performance } from 'node:perf_hooks';
import { agentHeaders, CARACAL_OPENAI_PATH, createBenchAgents } from '../gateway/caracal-agents.js';
import { ADMIN_TOKEN, caracalEnv, startCaracalGateway, startCaracalProjector } from '../gateway/caracal-processes.js';
import { imageGatewayNodeFlags } from '../gateway/image-node-flags.js';
import type { BenchChild } from '../gateway/child-process.js';
import { runLoad } from '../gateway/load-generator.js';
import type { LoadResult } from '../gateway/load-spec.js';
import { startMockUpstream } from '../gateway/mock-upstream.js';
import { CHAT_BODY } from '../gateway/paths/path.js';
import { backendCpuDelta, PostgresStats } from '../gateway/postgres-stats.js';
import { treeCpuMs } from '../gateway/process-stats.js';

export interface AdmissionSettings {
  adminUrl: string;
  database: { name: string; url: string };
  workDir: string;
  concurrencies: number[];
  rounds: number;
  windowMs: number;
  warmupMs: number;
  /** CARACAL_SNAPSHOT_KEEP of the gateway: the snapshots written during the windows are pruned to this. */
  snapshotKeep: number;
  /** CARACAL_SNAPSHOT_BUSY_PERCENT of the gateway; undefined: its default. */
  snapshotBusyPercent: string | undefined;
}

/** One measured window: the load, and with snapshots, how many completed and how long each took. */
export interface AdmissionWindow {
  concurrency: number;
  round: number;
  withSnapshots: boolean;
  load: LoadResult;
  okPerS: number;
  gatewayCpuMs: number;
  projectorCpuMs: number;
  postgresCpuMs: number;
  snapshotsCompleted: number;
  snapshotSeconds: number[];
}

/**
 * Admissions through the production gateway (with the projector running the processors, on the
 * benchmark's database with its 1M-event log and read models): one agent (one hot budget), a
 * closed-loop load at each concurrency, windows without and with `snapshot create` running back to
 * back through the admin API (POST /v1/snapshots) for the whole window, interleaved and rotated
 * per round. A snapshot still running when the window ends is awaited after it, not measured.
 */
export async function measureAdmissions(settings: AdmissionSettings, progress: (line: string) => void): Promise<AdmissionWindow[]> {
  const mock = await startMockUpstream(settings.workDir);
  const stats = await PostgresStats.connect(settings.adminUrl);
  const started: BenchChild[] = [mock.child];
  try {
    const env = caracalEnv(mock, {
      DATABASE_URL: settings.database.url,
      CARACAL_SNAPSHOT_KEEP: String(settings.snapshotKeep),
      ...(settings.snapshotBusyPercent === undefined ? {} : { CARACAL_SNAPSHOT_BUSY_PERCENT: settings.snapshotBusyPercent }),
    });
    const gateway = await startCaracalGateway(env, settings.workDir, imageGatewayNodeFlags());
    started.push(gateway.child);
    const projector = await startCaracalProjector(env, settings.workDir);
    started.push(projector);
    const [key] = await createBenchAgents(gateway.url, ADMIN_TOKEN, 1);
    const request = { origins: [gateway.url], path: CARACAL_OPENAI_PATH, headerSets: [agentHeaders(key)], body: CHAT_BODY };

    const windows: AdmissionWindow[] = [];
    for (const concurrency of settings.concurrencies) {
      for (let round = 0; round < settings.rounds; round++) {
        const order = round % 2 === 0 ? [false, true] : [true, false];
        for (const withSnapshots of order) {
          await runLoad({ ...request, concurrency, durationMs: settings.warmupMs });
          const gatewayBefore = treeCpuMs(gateway.child.pid);
          const projectorBefore = treeCpuMs(projector.pid);
          const backendsBefore = await stats.backendCpu(settings.database.name);
          const snapshots = withSnapshots ? snapshotLoop(gateway.url) : null;
          const load = await runLoad({ ...request, concurrency, durationMs: settings.windowMs });
          const gatewayCpuMs = treeCpuMs(gateway.child.pid) - gatewayBefore;
          const projectorCpuMs = treeCpuMs(projector.pid) - projectorBefore;
          const postgresCpuMs = backendCpuDelta(backendsBefore, await stats.backendCpu(settings.database.name));
          const snapshotSeconds = snapshots ? await snapshots.stop() : [];
          const window: AdmissionWindow = {
            concurrency, round, withSnapshots, load,
            okPerS: load.ok / (load.elapsedMs / 1000),
            gatewayCpuMs, projectorCpuMs, postgresCpuMs,
            snapshotsCompleted: snapshotSeconds.length,
            snapshotSeconds,
          };
          windows.push(window);
          progress(
            `  c=${concurrency} round ${round + 1} ${withSnapshots ? 'with snapshots   ' : 'without snapshots'}: ${Math.round(window.okPerS)} 2xx/s, ` +
              `non-2xx ${JSON.stringify(load.failures)}, p99 ${load.p99Ms.toFixed(0)} ms; CPU s gateway ${(gatewayCpuMs / 1000).toFixed(1)}, ` +
              `projector ${(projectorCpuMs / 1000).toFixed(1)}, postgres ${(postgresCpuMs / 1000).toFixed(1)}` +
              (withSnapshots ? `; snapshots ${snapshotSeconds.map((s) => s.toFixed(1)).join(', ')} s` : ''),
          );
        }
      }
    }
    return windows;
  } finally {
    for (const child of started.reverse()) await child.stop();
    await stats.close();
  }
}

/**
 * `snapshot create` through the admin API, one after the other until stopped. stop() waits for the
 * one in flight and returns the duration of each, in seconds.
 */
function snapshotLoop(gatewayUrl: string): { stop(): Promise<number[]> } {
  let stopping = false;
  const seconds: number[] = [];
  const loop = (async () => {
    while (!stopping) {
      const start = performance.now();
      const response = await fetch(`${gatewayUrl}/v1/snapshots`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tag: 'bench-recovery' }),
      });
      const text = await response.text();
      if (response.status !== 201) throw new Error(`POST /v1/snapshots answered ${response.status}: ${text}`);
      seconds.push((performance.now() - start) / 1000);
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return seconds;
    },
  };
}
