import { createHash } from 'node:crypto';
import { canonicalJsonBytes } from './canonical-json.js';
import { CompactRange, type SerializedCompactRange } from './compact-range.js';
import { isHashHex, toHex } from './hex.js';
import { InvalidCompactRangeError } from './merkle.errors.js';
import { canonicalTimestamp } from './timestamp.js';
import { InvalidTreeHeadError } from './tree-head.errors.js';
import { isTreeSize } from './tree-math.js';

/**
 * A sealed batch's tree head: the root of the whole log [0, treeSize) after the batch
 * [firstIndex, lastIndex], chained to the previous head and signed with Ed25519.
 * Hashes are 64 lowercase hex digits; times are canonical timestamps
 * ("YYYY-MM-DDTHH:MM:SS.ffffffZ"); sizes and indexes are JSON integers (safe: < 2^53 leaves).
 */
export interface TreeHead {
  batchId: string;
  /** Leaves in the log at this head = lastIndex + 1. */
  treeSize: number;
  rootHash: string;
  firstIndex: number;
  lastIndex: number;
  /** recorded_at of the batch's first and last events (by merkle index). */
  firstRecordedAt: string;
  lastRecordedAt: string;
  /** headHash of the previous head; null only for the log's first batch. */
  previousHeadHash: string | null;
  /** When the head was sealed. */
  timestamp: string;
  /** SHA-256 (hex) of the signing key's raw 32-byte Ed25519 public key. */
  keyId: string;
  /** The compact range [0, treeSize): the next batch's root is rebuilt from it. */
  compactRange: SerializedCompactRange;
}

/** A head with its Ed25519 signature (128 lowercase hex digits) over canonicalTreeHeadBytes(head). */
export interface SignedTreeHead {
  head: TreeHead;
  signature: string;
}

/**
 * The bytes that are signed and chained: RFC 8785 JCS of exactly the TreeHead members (so a
 * `signature` or any other extra property on the object is never part of them), UTF-8.
 */
export function canonicalTreeHeadBytes(head: TreeHead): Buffer {
  const { batchId, treeSize, rootHash, firstIndex, lastIndex, firstRecordedAt, lastRecordedAt, previousHeadHash, timestamp, keyId } = head;
  const compactRange = { size: head.compactRange?.size, hashes: head.compactRange?.hashes };
  return canonicalJsonBytes({
    batchId, treeSize, rootHash, firstIndex, lastIndex, firstRecordedAt, lastRecordedAt, previousHeadHash, timestamp, keyId, compactRange,
  });
}

/** SHA-256 (hex) of the canonical head bytes: the next head's previousHeadHash. */
export function headHash(head: TreeHead): string {
  return createHash('sha256').update(canonicalTreeHeadBytes(head)).digest('hex');
}

/**
 * Checks a head is well-formed and self-consistent: field types, canonical hex and times,
 * 0 ≤ firstIndex ≤ lastIndex, treeSize = lastIndex + 1 (the log is dense, batches never empty),
 * and the compact range covers [0, treeSize) with root rootHash. Says nothing about whether the
 * root matches the events or the signature is valid.
 */
export function validateTreeHead(head: TreeHead): void {
  if (typeof head !== 'object' || head === null) throw new InvalidTreeHeadError('head', 'must be an object');
  if (typeof head.batchId !== 'string' || head.batchId.length === 0) throw new InvalidTreeHeadError('batchId', 'must be a non-empty string');
  for (const field of ['treeSize', 'firstIndex', 'lastIndex'] as const) {
    if (!isTreeSize(head[field])) throw new InvalidTreeHeadError(field, 'must be a non-negative safe integer');
  }
  if (head.firstIndex > head.lastIndex) throw new InvalidTreeHeadError('firstIndex', 'must not exceed lastIndex (a batch is never empty)');
  if (head.treeSize !== head.lastIndex + 1) throw new InvalidTreeHeadError('treeSize', 'must equal lastIndex + 1');
  for (const field of ['rootHash', 'keyId'] as const) {
    if (!isHashHex(head[field])) throw new InvalidTreeHeadError(field, 'must be 64 lowercase hex digits');
  }
  if (head.previousHeadHash !== null && !isHashHex(head.previousHeadHash)) {
    throw new InvalidTreeHeadError('previousHeadHash', 'must be null or 64 lowercase hex digits');
  }
  for (const field of ['firstRecordedAt', 'lastRecordedAt', 'timestamp'] as const) {
    if (!isCanonicalTimestamp(head[field])) throw new InvalidTreeHeadError(field, 'must be a canonical timestamp YYYY-MM-DDTHH:MM:SS.ffffffZ');
  }
  let range: CompactRange;
  try {
    range = CompactRange.deserialize(head.compactRange);
  } catch (error) {
    if (error instanceof InvalidCompactRangeError) throw new InvalidTreeHeadError('compactRange', error.message);
    throw error;
  }
  if (range.size !== head.treeSize) throw new InvalidTreeHeadError('compactRange', 'size must equal treeSize');
  if (toHex(range.root()) !== head.rootHash) throw new InvalidTreeHeadError('compactRange', 'root does not equal rootHash');
}

function isCanonicalTimestamp(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return canonicalTimestamp(value) === value;
  } catch {
    return false;
  }
}
