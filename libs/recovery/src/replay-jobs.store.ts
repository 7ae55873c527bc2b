import type { SqlExecutor } from '@caracal/event-store';
import { ReplayJobNotFoundError } from './recovery.errors.js';
import type { ReplayJobProcessor, ReplayJobState, ReplayJobView } from './replay-job.js';

interface ReplayJobRow extends Record<string, unknown> {
  job_id: string;
  created_at: string;
  from_snapshot_id: string | null;
  processors: string;
  target_transaction_id: string;
  target_position: string;
  events_total: string;
  events_processed: string;
  rate_milli: string | null;
  state: ReplayJobState;
  error: string | null;
  owner: string | null;
  started_at: string | null;
  updated_at: string;
  completed_at: string | null;
  seconds_since_update: string;
}

const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const COLUMNS = `job_id, ${ISO('created_at')} AS created_at, from_snapshot_id, processors::text AS processors,
  target_transaction_id::text AS target_transaction_id, target_position::text AS target_position,
  events_total::text AS events_total, events_processed::text AS events_processed, rate_milli::text AS rate_milli,
  state, error, owner, ${ISO('started_at')} AS started_at, ${ISO('updated_at')} AS updated_at,
  ${ISO('completed_at')} AS completed_at,
  extract(epoch FROM clock_timestamp() - updated_at)::text AS seconds_since_update`;

/** The states of a job that has not finished: at most one such job exists (a unique index). */
export const ACTIVE_STATES = ['waiting', 'running', 'failed'] as const;

function viewFromRow(row: ReplayJobRow): ReplayJobView {
  const rate = row.rate_milli === null ? null : Number(row.rate_milli) / 1000;
  const remaining = Number(BigInt(row.events_total) - BigInt(row.events_processed));
  return {
    jobId: row.job_id,
    createdAt: row.created_at,
    fromSnapshotId: row.from_snapshot_id,
    processors: JSON.parse(row.processors) as ReplayJobProcessor[],
    target: { transactionId: row.target_transaction_id, globalPosition: row.target_position },
    eventsTotal: row.events_total,
    eventsProcessed: row.events_processed,
    eventsPerSecond: rate,
    etaSeconds: row.state === 'completed' ? 0 : rate === null || rate <= 0 ? null : Math.ceil(remaining / rate),
    state: row.state,
    error: row.error,
    owner: row.owner,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    secondsSinceUpdate: Math.max(0, Math.floor(Number(row.seconds_since_update))),
  };
}

export async function readReplayJob(executor: SqlExecutor, jobId: string): Promise<ReplayJobView> {
  const { rows } = await executor.query<ReplayJobRow>(`SELECT ${COLUMNS} FROM replay_jobs WHERE job_id = $1`, [jobId]);
  if (rows.length === 0) throw new ReplayJobNotFoundError(jobId);
  return viewFromRow(rows[0]);
}

/** Newest first. */
export async function listReplayJobs(executor: SqlExecutor, limit = 20): Promise<ReplayJobView[]> {
  const { rows } = await executor.query<ReplayJobRow>(`SELECT ${COLUMNS} FROM replay_jobs ORDER BY created_at DESC, job_id DESC LIMIT $1`, [limit]);
  return rows.map(viewFromRow);
}

/** The job that has not completed, if any. */
export async function activeReplayJob(executor: SqlExecutor): Promise<ReplayJobView | null> {
  const { rows } = await executor.query<ReplayJobRow>(`SELECT ${COLUMNS} FROM replay_jobs WHERE state IN ('waiting', 'running', 'failed')`);
  return rows.length === 0 ? null : viewFromRow(rows[0]);
}
