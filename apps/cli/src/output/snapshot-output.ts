import type { Snapshot, SnapshotList, SnapshotRestore, SnapshotVerification } from '@caracal/api-contract';
import { formatFields } from './fields.js';
import { formatList, type Column } from './table.js';
import { orDash } from './values.js';

/** The position the snapshot is consistent with: the highest processor checkpoint. */
function position(snapshot: Snapshot): string {
  return snapshot.manifest.anchor?.globalPosition ?? '0';
}

function rows(snapshot: Snapshot): number {
  return snapshot.manifest.tables.reduce((sum, table) => sum + table.rows, 0);
}

/** 1536 -> "1.5 KiB": sizes of stored snapshots. */
export function formatBytes(bytes: string): string {
  const n = Number(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  let value = n;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** "verified 2026-12-04T18:50:00.000Z": the outcome and time of the last check of the stored bytes. */
function checksumState(snapshot: Snapshot): string {
  if (snapshot.checksumState === null) return 'unchecked';
  return `${snapshot.checksumState === 'failed' ? 'FAILED' : 'verified'} ${snapshot.checksumCheckedAt ?? ''}`.trimEnd();
}

export function formatSnapshot(snapshot: Snapshot): string {
  const fields = formatFields([
    ['Snapshot ID', snapshot.snapshotId],
    ['Created', snapshot.createdAt],
    ['Tag', orDash(snapshot.tag)],
    ['Position', position(snapshot)],
    ['Events covered', snapshot.manifest.eventsCovered],
    ['Merkle head', snapshot.manifest.merkleHead === null ? '-' : `batch ${snapshot.manifest.merkleHead.batchId}, tree size ${snapshot.manifest.merkleHead.treeSize}`],
    ['Size', `${formatBytes(snapshot.compressedBytes)} compressed (${formatBytes(snapshot.uncompressedBytes)} of rows)`],
    ['SHA-256', snapshot.sha256],
    ['Checksum', checksumState(snapshot)],
  ]);
  const tables = formatList(snapshot.manifest.tables, [
    { header: 'READ MODEL', value: (table) => table.table },
    { header: 'ROWS', value: (table) => String(table.rows), alignRight: true },
  ], 'read-model tables');
  const processors = formatList(snapshot.manifest.processors, [
    { header: 'PROCESSOR', value: (p) => `${p.name} v${p.version}` },
    { header: 'CHECKPOINT', value: (p) => p.globalPosition, alignRight: true },
  ], 'processor checkpoints');
  return [fields, '', tables, '', processors].join('\n');
}

const listColumns: Column<Snapshot>[] = [
  { header: 'SNAPSHOT ID', value: (s) => s.snapshotId },
  { header: 'CREATED', value: (s) => s.createdAt },
  { header: 'TAG', value: (s) => orDash(s.tag) },
  { header: 'POSITION', value: position, alignRight: true },
  { header: 'EVENTS', value: (s) => s.manifest.eventsCovered, alignRight: true },
  { header: 'ROWS', value: (s) => String(rows(s)), alignRight: true },
  { header: 'SIZE', value: (s) => formatBytes(s.compressedBytes), alignRight: true },
  { header: 'SHA-256', value: (s) => `${s.sha256.slice(0, 16)}…` },
  { header: 'CHECKSUM', value: checksumState },
];

export function formatSnapshotList(list: SnapshotList): string {
  const retention = list.keep === 0 ? 'all snapshots are kept' : `the newest ${list.keep} snapshots are kept (CARACAL_SNAPSHOT_KEEP)`;
  return [formatList(list.items, listColumns, 'snapshots'), '', `Retention: ${retention}. Checksum: the last check of the stored bytes (at creation, snapshot verify, snapshot restore).`].join('\n');
}

export function formatSnapshotRestore(result: SnapshotRestore): string {
  const loaded = result.tables.map((table) => `${table.table} ${table.rows}`).join(', ');
  const checkpoints = result.checkpoints.map((p) => `${p.name} at ${p.globalPosition}`).join(', ');
  return [
    `Restored snapshot ${result.snapshot.snapshotId} (checksum verified): ${loaded === '' ? 'no rows' : loaded}.`,
    `Checkpoints: ${checkpoints === '' ? '-' : checkpoints}.`,
    'Start the processors (or run caracal replay start) to catch up from there to the head of the log.',
  ].join('\n');
}

export function formatSnapshotVerification(result: SnapshotVerification): string {
  if (result.ok) return `Snapshot ${result.snapshot.snapshotId}: checksum verified (${result.snapshot.sha256}).`;
  return [
    `Snapshot ${result.snapshot.snapshotId}: checksum FAILED. Its stored bytes hash to ${result.actual}, recorded ${result.snapshot.sha256}.`,
    'Restore will refuse it; take a new snapshot (caracal snapshot create) and delete this one.',
  ].join('\n');
}
