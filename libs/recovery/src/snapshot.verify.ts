import type { SqlExecutor } from '@caracal/event-store';
import { SnapshotFormatError } from './recovery.errors.js';
import { snapshotChecksum } from './snapshot-checksum.js';
import { SNAPSHOT_FORMAT, type SnapshotSummary } from './snapshot-manifest.js';
import { readChunkDigests, readSnapshotSummary, recordChecksumCheck } from './snapshot.store.js';

export interface SnapshotVerification {
  snapshot: SnapshotSummary;
  ok: boolean;
  /** The checksum of the bytes as stored now. */
  actual: string;
}

/**
 * `snapshot verify`: hashes the stored chunks again (in the database) and compares with the
 * checksum written at creation; the outcome is what `snapshot list` shows as its checksum state.
 */
export async function verifySnapshot(executor: SqlExecutor, snapshotId: string): Promise<SnapshotVerification> {
  const before = await readSnapshotSummary(executor, snapshotId);
  if (before.manifest.format !== SNAPSHOT_FORMAT) throw new SnapshotFormatError(snapshotId, before.manifest.format);
  const actual = snapshotChecksum(before.manifest, await readChunkDigests(executor, snapshotId));
  const ok = actual === before.sha256;
  await recordChecksumCheck(executor, snapshotId, ok ? 'verified' : 'failed');
  return { snapshot: await readSnapshotSummary(executor, snapshotId), ok, actual };
}
