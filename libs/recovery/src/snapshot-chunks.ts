import { createHash } from 'node:crypto';

/** Rows are stored in chunks of this size: no single bytea value grows with the read models. */
export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;

/**
 * Gathers the compressed stream into fixed-size chunks and hashes it on the way, so the
 * checksum is over exactly the bytes stored.
 */
export class SnapshotChunks {
  readonly chunks: Buffer[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly hash = createHash('sha256');
  totalBytes = 0;

  add(data: Buffer): void {
    this.hash.update(data);
    this.totalBytes += data.length;
    this.pending.push(data);
    this.pendingBytes += data.length;
    while (this.pendingBytes >= SNAPSHOT_CHUNK_BYTES) {
      const joined = Buffer.concat(this.pending);
      this.chunks.push(joined.subarray(0, SNAPSHOT_CHUNK_BYTES));
      this.pending = [joined.subarray(SNAPSHOT_CHUNK_BYTES)];
      this.pendingBytes = joined.length - SNAPSHOT_CHUNK_BYTES;
    }
  }

  /** Ends the stream: the last, shorter chunk and the hex SHA-256 of everything. */
  finish(): string {
    if (this.pendingBytes > 0) this.chunks.push(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
    return this.hash.digest('hex');
  }
}
