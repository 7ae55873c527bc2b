// Replay jobs (docs/api.md "Replays", docs/recovery.md); bigints are decimal strings.

export interface ReplayJob {
  jobId: string;
  createdAt: string;
  fromSnapshotId: string | null;
  processors: { name: string; version: number; fromTransactionId: string; fromPosition: string; fromEventsProcessed: string; eventsTotal: string }[];
  target: { transactionId: string; globalPosition: string };
  eventsTotal: string;
  eventsProcessed: string;
  eventsPerSecond: number | null;
  etaSeconds: number | null;
  state: 'waiting' | 'running' | 'completed' | 'failed';
  error: string | null;
  owner: string | null;
  startedAt: string | null;
  updatedAt: string;
  completedAt: string | null;
  secondsSinceUpdate: number;
}
