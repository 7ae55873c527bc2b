import type { SqlClient } from '@caracal/event-store';
import { loadCheckpoint, type ProcessorRunnerStatus } from '@caracal/processing';
import type { ReplayJobView } from './replay-job.js';
import { activeReplayJob } from './replay-jobs.store.js';

export interface ReplayJobTrackerOptions {
  client: SqlClient;
  /** This process's processor host: its owner name and its runners' status. */
  owner: string;
  status: () => readonly ProcessorRunnerStatus[];
  /** How often progress is written (default 1 s). */
  intervalMs?: number;
  /** A runner error that lasts this long without progress fails the job (default 60 s); progress revives it. */
  failAfterMs?: number;
  now?: () => number;
}

/**
 * Runs beside a processor host and keeps the active replay job's progress in `replay_jobs`: events
 * passed since the job's start (from each processor's checkpoint), events per second, the state.
 * The runners do the replaying, from their checkpoints, so a job survives the death of the
 * process that ran it: the next host's runners resume from the committed checkpoints and its
 * tracker takes the job over. Only a host that holds a lease of one of the job's processors
 * (through its runners or the shared rebuild read) writes; once every processor has passed the target the job completes and the same runners go
 * on with live events (the handover is the absence of one).
 */
export class ReplayJobTracker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private last: { jobId: string; at: number; processed: bigint } | null = null;
  private errorSince: number | null = null;

  constructor(private readonly options: ReplayJobTrackerOptions) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      if (this.running === null) this.running = this.tick().catch(() => undefined).finally(() => (this.running = null));
    }, this.options.intervalMs ?? 1000);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One progress update; returns the job as written, or null when there is none to report. */
  async tick(): Promise<ReplayJobView | null> {
    const { client } = this.options;
    const job = await activeReplayJob(client);
    if (job === null) return null;
    if (!(await this.holdsALease(job))) return null; // another host runs them, or none yet
    const local = this.options.status().filter((runner) => job.processors.some((p) => p.name === runner.processor && p.version === runner.version));

    let processed = 0n;
    let reachedAll = true;
    for (const member of job.processors) {
      const stored = await loadCheckpoint(client, member);
      const total = BigInt(member.eventsTotal);
      const reached =
        stored !== null &&
        (stored.checkpoint.transactionId > BigInt(job.target.transactionId) ||
          (stored.checkpoint.transactionId === BigInt(job.target.transactionId) && stored.checkpoint.globalPosition >= BigInt(job.target.globalPosition)));
      reachedAll &&= reached;
      const passed = stored === null ? 0n : stored.eventsProcessed - BigInt(member.fromEventsProcessed);
      processed += reached ? total : passed < 0n ? 0n : passed > total ? total : passed;
    }

    const now = this.options.now?.() ?? Date.now();
    const previous = this.last?.jobId === job.jobId ? this.last : null;
    const rateMilli = previous === null || now <= previous.at ? null : ((processed - previous.processed) * 1_000_000n) / BigInt(now - previous.at);
    const progressed = previous === null || processed > previous.processed;
    this.last = { jobId: job.jobId, at: now, processed };

    const error = local.find((runner) => runner.lastError !== null)?.lastError ?? null;
    this.errorSince = error === null || progressed ? null : (this.errorSince ?? now);
    const failed = this.errorSince !== null && now - this.errorSince >= (this.options.failAfterMs ?? 60_000);
    const state = reachedAll ? 'completed' : failed ? 'failed' : 'running';
    await client.query(
      `UPDATE replay_jobs
          SET events_processed = $2::bigint, rate_milli = COALESCE($3::bigint, rate_milli), state = $4, error = $5, owner = $6,
              started_at = COALESCE(started_at, clock_timestamp()), updated_at = clock_timestamp(),
              completed_at = CASE WHEN $4 = 'completed' THEN clock_timestamp() END
        WHERE job_id = $1 AND state <> 'completed'`,
      [job.jobId, processed.toString(), rateMilli?.toString() ?? null, state, reachedAll ? null : error, this.options.owner],
    );
    return { ...job, eventsProcessed: processed.toString(), state, error: reachedAll ? null : error, owner: this.options.owner };
  }

  /** Whether this host holds a live lease of one of the job's processors (its runners, or the shared rebuild read). */
  private async holdsALease(job: ReplayJobView): Promise<boolean> {
    const { rows } = await this.options.client.query(
      `SELECT 1 FROM processor_leases
        WHERE owner = $1 AND expires_at > clock_timestamp()
          AND (processor, version) IN (SELECT name, version FROM jsonb_to_recordset($2::jsonb) AS p(name text, version integer))`,
      [this.options.owner, JSON.stringify(job.processors)],
    );
    return rows.length > 0;
  }
}
