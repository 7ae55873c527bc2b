import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { LoadResult, LoadSpec } from './load-spec.js';

// The load generator, run as its own process by load-generator.ts with the spec as argv[2];
// prints one LoadResult as JSON. Closed loop: `concurrency` workers each send a request, read
// the whole answer, and send the next, over keep-alive connections (undici Pool).

const spec = JSON.parse(process.argv[2]) as LoadSpec;
const perOrigin = Math.ceil(spec.concurrency / spec.origins.length);
const pools = spec.origins.map((origin) => new Pool(origin, { connections: perOrigin, pipelining: 1, keepAliveTimeout: 60_000 }));

const latencies: number[] = [];
const failures: Record<string, number> = {};
const sliceEndsMs: number[] = [];
let issued = 0;
let completed = 0;
let ok = 0;

const cpuStart = process.cpuUsage();
const start = performance.now();
const endAt = spec.durationMs === undefined ? Infinity : start + spec.durationMs;
const sliceSize = spec.requests === undefined ? Infinity : spec.requests / 10;

function record(status: string, latencyMs: number): void {
  completed += 1;
  latencies.push(latencyMs);
  if (status.startsWith('2')) ok += 1;
  else failures[status] = (failures[status] ?? 0) + 1;
  if (completed >= (sliceEndsMs.length + 1) * sliceSize) sliceEndsMs.push(performance.now() - start);
}

async function worker(index: number): Promise<void> {
  const pool = pools[index % pools.length];
  const headers = spec.headerSets[index % spec.headerSets.length];
  for (;;) {
    if (spec.requests !== undefined ? issued >= spec.requests : performance.now() >= endAt) return;
    issued += 1;
    const sent = performance.now();
    try {
      const response = await pool.request({ path: spec.path, method: 'POST', headers, body: spec.body });
      await response.body.dump();
      record(String(response.statusCode), performance.now() - sent);
    } catch {
      record('error', performance.now() - sent);
    }
  }
}

await Promise.all(Array.from({ length: spec.concurrency }, (_, index) => worker(index)));
const elapsedMs = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
latencies.sort((a, b) => a - b);
const percentile = (p: number) => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]);
const result: LoadResult = {
  completed, ok, failures, elapsedMs,
  p50Ms: percentile(0.5), p99Ms: percentile(0.99),
  sliceEndsMs, cpuMs: (cpu.user + cpu.system) / 1000,
};
await Promise.all(pools.map((pool) => pool.close()));
process.stdout.write(`${JSON.stringify(result)}\n`);
