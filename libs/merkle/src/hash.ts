import { createHash, hash } from 'node:crypto';
import { InvalidHashError } from './merkle.errors.js';

/** SHA-256 output length; every leaf, node and root hash has it. */
export const HASH_LENGTH = 32;

// RFC 6962 §2.1 domain separation: a leaf can never be mistaken for an interior node (and vice
// versa), which rules out second-preimage attacks that present a subtree as a leaf.
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = 0x01;
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_LENGTH);
NODE_INPUT[0] = NODE_PREFIX;

const EMPTY_TREE_HASH = createHash('sha256').digest();

/** SHA-256(0x00 ‖ bytes): the hash of one log entry. */
export function leafHash(bytes: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([LEAF_PREFIX, bytes]), 'buffer');
}

/** SHA-256(0x01 ‖ left ‖ right): an interior node. Both children must be 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_LENGTH) throw new InvalidHashError('left child hash', 'wrong_length');
  if (right.length !== HASH_LENGTH) throw new InvalidHashError('right child hash', 'wrong_length');
  // One-shot crypto.hash over a scratch buffer is ~40% faster than a createHash stream per node,
  // and nodes are most of the hashing. Safe to reuse: hashing is synchronous.
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_LENGTH);
  return hash('sha256', NODE_INPUT, 'buffer');
}

/** MTH({}) = SHA-256(""): the root of the empty tree (RFC 6962 §2.1). A fresh copy each call. */
export function emptyTreeHash(): Buffer {
  return Buffer.from(EMPTY_TREE_HASH);
}

/** True when both are hashes of the right length with equal bytes. Proof data is public: no constant-time need. */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === HASH_LENGTH && b.length === HASH_LENGTH && Buffer.compare(a, b) === 0;
}

/** A Buffer view of the same bytes (no copy): inputs may be plain Uint8Arrays. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
