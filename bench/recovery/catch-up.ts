import { performance } from 'node:perf_hooks';
import type { GlobalCheckpoint, SqlClient, SqlEventStore } from '@caracal/event-store';
import { ProcessorHost, ProcessorRegistry, type Processor, type ProcessorLogger } from '@caracal/processing';
import { readReplayJob, ReplayJobTracker, type ReplayJobView } from '@caracal/recovery';

const OWNER = 'bench-recovery-host';

export interface CatchUp {
  seconds: number;
  /** The replay job as its tracker left it once the processors reached the head. */
  job: ReplayJobView;
}

/**
 * Runs `processors` as the projector does (ProcessorHost with rebuildTogether, a ReplayJobTracker
 * beside it) from their checkpoints until every one has committed `head`; the job was recorded
 * by startReplayJob. The time is taken from the runners' checkpoints (polled every 5 ms), not from
 * the tracker's once-a-second report; the tracker is then asked once more and must say completed.
 */
export async function catchUp(client: SqlClient, store: SqlEventStore, processors: Processor[], head: GlobalCheckpoint, jobId: string): Promise<CatchUp> {
  const problems: string[] = [];
  const logger: ProcessorLogger = (entry) => {
    if (entry.level === 'warn' || entry.level === 'error') problems.push(`${entry.processor}: ${entry.message}`);
  };
  const host = new ProcessorHost({
    client,
    store,
    registry: new ProcessorRegistry(processors),
    names: processors.map((processor) => processor.name),
    owner: OWNER,
    logger,
    tuning: { pollMs: 50 },
    rebuildTogether: true,
  });
  const tracker = new ReplayJobTracker({ client, owner: OWNER, status: () => host.status() });
  const start = performance.now();
  host.start();
  tracker.start();
  let seconds: number;
  try {
    for (;;) {
      const statuses = host.status();
      if (statuses.every(({ checkpoint }) => checkpoint !== null && checkpoint.transactionId === head.transactionId && checkpoint.globalPosition === head.globalPosition)) {
        seconds = (performance.now() - start) / 1000;
        break;
      }
      if (problems.length > 0) throw new Error(`replay failed: ${problems.join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await tracker.stop();
    await tracker.tick();
  } finally {
    await tracker.stop();
    await host.stop();
  }
  const job = await readReplayJob(client, jobId);
  if (job.state !== 'completed') throw new Error(`replay job ${jobId} is ${job.state} after the processors reached the head`);
  return { seconds, job };
}
