import type { ItemList, ReplayJob } from '@caracal/api-contract';
import { formatFields } from './fields.js';
import { formatList, type Column } from './table.js';
import { orDash } from './values.js';

/** A job with no progress report for this long while not completed: is any processor host running? */
const STALE_SECONDS = 30;

function percent(job: ReplayJob): string {
  const total = BigInt(job.eventsTotal);
  if (total === 0n) return '100%';
  return `${(BigInt(job.eventsProcessed) * 100n) / total}%`;
}

function from(job: ReplayJob): string {
  return job.fromSnapshotId === null ? 'start' : `snapshot ${job.fromSnapshotId}`;
}

function rate(job: ReplayJob): string {
  return job.eventsPerSecond === null ? '-' : `${Math.round(job.eventsPerSecond)}/s`;
}

/** 3725 -> "1h02m05s". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '-';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${String(s).padStart(2, '0')}s` : m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

/** `[#########...........]  45%`: a width-wide bar of the job's progress. */
export function progressBar(job: ReplayJob, width = 30): string {
  const total = BigInt(job.eventsTotal);
  const done = total === 0n ? width : Number((BigInt(job.eventsProcessed) * BigInt(width)) / total);
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${percent(job).padStart(4)}`;
}

/** What the operator should do about the job, if anything. */
function advice(job: ReplayJob): string | null {
  if (job.state === 'failed') {
    return `Failed: ${orDash(job.error)}. Fix the cause: the processors retry by themselves and the job resumes from their checkpoints (restarting the projector resumes it too).`;
  }
  if (job.state === 'waiting') return 'Waiting for a processor host: start the projector (or the gateway, in the embedded profile); it runs the job.';
  if (job.state === 'running' && job.secondsSinceUpdate >= STALE_SECONDS) {
    return `No progress report for ${formatDuration(job.secondsSinceUpdate)}: is the processor host (${orDash(job.owner)}) still running? A restarted host resumes the job.`;
  }
  return null;
}

export function formatReplayJob(job: ReplayJob): string {
  const lines = [
    formatFields([
      ['Replay job', job.jobId],
      ['State', job.state],
      ['From', from(job)],
      ['Processors', job.processors.map((p) => `${p.name} v${p.version}`).join(', ') || '-'],
      ['Target position', job.target.globalPosition],
      ['Progress', `${progressBar(job)}  ${job.eventsProcessed} of ${job.eventsTotal} events`],
      ['Rate', rate(job)],
      ['ETA', job.state === 'completed' ? '-' : formatDuration(job.etaSeconds)],
      ['Host', orDash(job.owner)],
      ['Started', orDash(job.startedAt)],
      ['Completed', orDash(job.completedAt)],
    ]),
  ];
  const todo = advice(job);
  if (todo !== null) lines.push('', todo);
  return lines.join('\n');
}

export function formatReplayStarted(job: ReplayJob): string {
  return [
    `Replay job ${job.jobId} started from ${job.fromSnapshotId === null ? 'the start of the log' : from(job)}: ${job.eventsTotal} events to replay, up to position ${job.target.globalPosition}.`,
    'The processor hosts run it (the projector; the gateway itself in the embedded profile), then go on with live events.',
    'Follow it with: caracal replay status --watch',
  ].join('\n');
}

const listColumns: Column<ReplayJob>[] = [
  { header: 'JOB ID', value: (job) => job.jobId },
  { header: 'STATE', value: (job) => job.state },
  { header: 'FROM', value: from },
  { header: 'PROGRESS', value: (job) => `${job.eventsProcessed}/${job.eventsTotal} ${percent(job)}`, alignRight: true },
  { header: 'RATE', value: rate, alignRight: true },
  { header: 'ETA', value: (job) => (job.state === 'completed' ? '-' : formatDuration(job.etaSeconds)), alignRight: true },
  { header: 'CREATED', value: (job) => job.createdAt },
];

/** The newest job in detail, then every job in a table. */
export function formatReplayStatus(list: ItemList<ReplayJob>): string {
  if (list.items.length === 0) return 'No replay jobs found. Start one with: caracal replay start --from-snapshot <snapshot-id>';
  return [formatReplayJob(list.items[0]), '', formatList(list.items, listColumns, 'replay jobs')].join('\n');
}
