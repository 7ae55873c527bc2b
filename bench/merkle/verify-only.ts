/**
 * verifyRange alone over the log `main.ts --keep` kept (caracal_bench_merkle_keep_<events>), with a
 * pool of 6 like the bench: wall time, events/s and this process's CPU. For A/B runs of two builds
 * on the same log (alternate `node <build>/dist/bench/merkle/verify-only.js`). Not a test.
 *
 *   node dist/bench/merkle/verify-only.js [--events 1000000] [--rounds 1] [--chunk 5000]
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createPostgresClient } from '@caracal/event-store';
import { verifyRange } from '@caracal/sealing';
import { parseBenchFlags } from '../support/bench-flags.js';

const args = parseBenchFlags({ events: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '1' }, chunk: { type: 'string' } });
const admin = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
admin.pathname = `/caracal_bench_merkle_keep_${args.events}`;
const client = createPostgresClient({ connectionString: admin.toString(), max: 6, applicationName: 'caracal-bench-merkle-verify' });
try {
  for (let round = 0; round < Number(args.rounds); round++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    const report = await verifyRange(client, { start: '1970-01-01T00:00:00Z', end: 'now' }, undefined,
      args.chunk === undefined ? {} : { eventPageSize: Number(args.chunk) });
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    if (!report.ok) throw new Error(`verify-range failed: ${JSON.stringify(report.failures.slice(0, 3))}`);
    console.log(`${report.totals.events} events: ${(report.totals.events / seconds).toFixed(0)}/s, ${seconds.toFixed(2)} s, `
      + `CPU user ${(used.user / 1e6).toFixed(2)} s system ${(used.system / 1e6).toFixed(2)} s, load ${loadavg()[0].toFixed(2)}`);
  }
} finally {
  await client.close();
}
