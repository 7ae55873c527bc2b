import { randomUUID } from 'node:crypto';
import type { EventStore, GlobalCheckpoint, SqlClient, SqlExecutor } from '@caracal/event-store';
import { describeProcessor, loadCheckpoint, type Processor } from '@caracal/processing';
import { ReplayJobActiveError, ReplayNotReadyError } from './recovery.errors.js';
import type { ReplayJobProcessor, ReplayJobView } from './replay-job.js';
import { activeReplayJob, readReplayJob } from './replay-jobs.store.js';
import { readSnapshotSummary } from './snapshot.store.js';

export type ReplayFrom = { snapshotId: string } | 'start';

/**
 * `replay start`: records a replay job for the processors, from a restored snapshot or from the
 * start of the log, to the head the log has now. The processor hosts then run the processors
 * from their checkpoints and report the job's progress (ReplayJobTracker); this only checks that
 * the read models are where the replay starts and records the target.
 */
export async function startReplayJob(
  client: SqlClient,
  store: Pick<EventStore, 'headCheckpoint'>,
  processors: readonly Processor[],
  from: ReplayFrom,
): Promise<ReplayJobView> {
  const target = await store.headCheckpoint();
  const jobId = randomUUID();
  await client.transaction(async (tx) => {
    const active = await activeReplayJob(tx);
    if (active !== null) throw new ReplayJobActiveError(active.jobId);
    const members: ReplayJobProcessor[] = [];
    for (const processor of processors) {
      const start = from === 'start' ? await checkAtStart(tx, processor) : await checkAtSnapshot(tx, processor, from.snapshotId);
      members.push({
        name: processor.name,
        version: processor.version,
        fromTransactionId: start.checkpoint.transactionId.toString(),
        fromPosition: start.checkpoint.globalPosition.toString(),
        fromEventsProcessed: start.eventsProcessed.toString(),
        eventsTotal: (await countEventsBetween(tx, start.checkpoint, target)).toString(),
      });
    }
    const total = members.reduce((sum, member) => sum + BigInt(member.eventsTotal), 0n);
    await tx.query(
      `INSERT INTO replay_jobs (job_id, from_snapshot_id, processors, target_transaction_id, target_position, events_total)
       VALUES ($1, $2, $3::jsonb, $4::xid8, $5::bigint, $6::bigint)`,
      [jobId, from === 'start' ? null : from.snapshotId, JSON.stringify(members), target.transactionId.toString(), target.globalPosition.toString(), total.toString()],
    );
  });
  return readReplayJob(client, jobId);
}

interface Start {
  checkpoint: GlobalCheckpoint;
  eventsProcessed: bigint;
}

async function checkAtStart(tx: SqlExecutor, processor: Processor): Promise<Start> {
  const stored = await loadCheckpoint(tx, processor);
  if (stored !== null && (stored.checkpoint.globalPosition !== 0n || stored.eventsProcessed !== 0n)) {
    throw new ReplayNotReadyError(
      `${describeProcessor(processor)} is at position ${stored.checkpoint.globalPosition}, not at the start; run caracal db reset --confirm first`,
    );
  }
  return { checkpoint: { transactionId: 0n, globalPosition: 0n }, eventsProcessed: 0n };
}

async function checkAtSnapshot(tx: SqlExecutor, processor: Processor, snapshotId: string): Promise<Start> {
  const snapshot = await readSnapshotSummary(tx, snapshotId);
  const taken = snapshot.manifest.processors.find((p) => p.name === processor.name && p.version === processor.version);
  if (taken === undefined) throw new ReplayNotReadyError(`snapshot ${snapshotId} has no checkpoint of ${describeProcessor(processor)}`);
  const stored = await loadCheckpoint(tx, processor);
  const at = stored?.checkpoint.globalPosition ?? 0n;
  if (stored === null || at !== BigInt(taken.globalPosition)) {
    throw new ReplayNotReadyError(
      `${describeProcessor(processor)} is at position ${at}, the snapshot at ${taken.globalPosition}; ` +
        `restore it first: caracal db reset --confirm, then caracal snapshot restore --snapshot-id ${snapshotId}`,
    );
  }
  return stored;
}

/** Events after `from` up to and including `to`, in the order processors read them. */
async function countEventsBetween(tx: SqlExecutor, from: GlobalCheckpoint, to: GlobalCheckpoint): Promise<bigint> {
  const { rows } = await tx.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM events
      WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
        AND (transaction_id, global_position) <= ($3::xid8, $4::bigint)`,
    [from.transactionId.toString(), from.globalPosition.toString(), to.transactionId.toString(), to.globalPosition.toString()],
  );
  return BigInt(rows[0].n);
}
