import { createHash } from 'node:crypto';
import { canonicalize } from '@caracal/merkle';
import type { SnapshotManifest } from './snapshot-manifest.js';

/** One stored chunk as the checksum sees it: its place, its table and row count, the SHA-256 of its bytes. */
export interface ChunkDigest {
  chunkNo: number;
  table: string;
  rows: number;
  sha256: string;
}

/**
 * The checksum of a format-2 snapshot: SHA-256 over a text that lists the manifest (RFC 8785
 * canonical JSON, so the jsonb round trip does not change it) and then, in chunk order, each
 * chunk's number, table, row count and the SHA-256 of its bytes. PostgreSQL hashes each chunk
 * where it is stored; only these short lines reach the process. Altering a chunk's bytes, moving
 * it to another table, changing its count or the listed manifest all change the checksum.
 */
export function snapshotChecksum(manifest: SnapshotManifest, chunks: readonly ChunkDigest[]): string {
  const hash = createHash('sha256');
  hash.update(`caracal-snapshot-v2\n${canonicalize(manifest)}\n`);
  for (const chunk of chunks) hash.update(`${chunk.chunkNo} ${chunk.table} ${chunk.rows} ${chunk.sha256}\n`);
  return hash.digest('hex');
}
