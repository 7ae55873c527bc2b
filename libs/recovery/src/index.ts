export * from './recovery.errors.js';
export * from './snapshot-manifest.js';
export { createSnapshot, type CreateSnapshotOptions } from './snapshot.create.js';
export { restoreSnapshot, type RestoreResult } from './snapshot.restore.js';
export { deleteSnapshot, listSnapshots, pruneSnapshots, readSnapshotSummary } from './snapshot.store.js';
export * from './replay-job.js';
export { startReplayJob, type ReplayFrom } from './replay-job.start.js';
export { ReplayJobTracker, type ReplayJobTrackerOptions } from './replay-job.tracker.js';
export { activeReplayJob, listReplayJobs, readReplayJob } from './replay-jobs.store.js';
