import type { ProcessorKey } from '@caracal/processing';

export type ReplayJobState = 'waiting' | 'running' | 'completed' | 'failed';

/** Where one processor of the job started, and how many events it has to pass to reach the target. */
export interface ReplayJobProcessor extends ProcessorKey {
  fromTransactionId: string;
  fromPosition: string;
  fromEventsProcessed: string;
  eventsTotal: string;
}

/** A replay job as the API and the CLI show it; bigints are decimal strings. */
export interface ReplayJobView {
  jobId: string;
  createdAt: string;
  fromSnapshotId: string | null;
  processors: ReplayJobProcessor[];
  /** The head of the log when the job started: done once every processor has passed it. */
  target: { transactionId: string; globalPosition: string };
  eventsTotal: string;
  eventsProcessed: string;
  /** Events per second at the last progress update (null before the first). */
  eventsPerSecond: number | null;
  /** Seconds to the target at that rate (null when unknown). */
  etaSeconds: number | null;
  state: ReplayJobState;
  error: string | null;
  /** The processor host that last reported progress. */
  owner: string | null;
  startedAt: string | null;
  updatedAt: string;
  completedAt: string | null;
  /** Seconds since the last progress update. */
  secondsSinceUpdate: number;
}
