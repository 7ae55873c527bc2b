export * from './recovery.errors.js';
export * from './snapshot-manifest.js';
export { createSnapshot, type CreateSnapshotOptions } from './snapshot.create.js';
export { restoreSnapshot, type RestoreResult } from './snapshot.restore.js';
export { deleteSnapshot, listSnapshots, pruneSnapshots, readSnapshotSummary } from './snapshot.store.js';
