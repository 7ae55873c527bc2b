import { HASH_LENGTH, emptyTreeHash, hashesEqual, nodeHash } from './hash.js';
import { MerkleRangeError } from './merkle.errors.js';
import { MerkleTree } from './merkle-tree.js';
import { consistencyProofLength, isPowerOfTwo, isTreeSize, largestPowerOfTwoBelow } from './tree-math.js';

/**
 * PROOF(size1, D[size2]) of RFC 6962 §2.1.2 / RFC 9162 §2.1.4.1: the nodes that show the tree
 * of size1 is a prefix of `source` (the tree, or its leaves, at size2). Empty when size1 is 0 or
 * equals size2 — nothing needs proving then.
 */
export function consistencyProof(source: MerkleTree | readonly Uint8Array[], size1: number): Buffer[] {
  const tree = source instanceof MerkleTree ? source : MerkleTree.fromLeafHashes(source);
  if (!isTreeSize(size1) || size1 > tree.size) {
    throw new MerkleRangeError(`size ${size1} is not a prefix of a tree of size ${tree.size}`);
  }
  const proof: Buffer[] = [];
  if (size1 === 0 || size1 === tree.size) return proof;
  subproof(tree, size1, 0, tree.size, true, proof);
  return proof;
}

// SUBPROOF(m, D[start:end], b) of RFC 6962 §2.1.2. `complete` (b) is true while D[0:m] is
// still the whole left part: its root is then known to the verifier and is left out.
function subproof(tree: MerkleTree, m: number, start: number, end: number, complete: boolean, out: Buffer[]): void {
  const n = end - start;
  if (m === n) {
    if (!complete) out.push(tree.subtreeHash(start, end));
    return;
  }
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) {
    subproof(tree, m, start, start + k, complete, out);
    out.push(tree.subtreeHash(start + k, end));
  } else {
    subproof(tree, m - k, start + k, end, false, out);
    out.push(tree.subtreeHash(start, start + k));
  }
}

export type ConsistencyFailure =
  | 'invalid_sizes'
  | 'wrong_proof_length'
  | 'malformed_hash'
  | 'first_root_mismatch'
  | 'second_root_mismatch';

export type ConsistencyCheck = { ok: true } | { ok: false; reason: ConsistencyFailure };

/**
 * RFC 9162 §2.1.4.2 with the failure reason. Edge cases (outside the RFC's 0 < size1 < size2):
 * - size1 = size2: the proof must be empty and the two roots equal;
 * - size1 = 0: the proof must be empty; every tree extends the empty one, whose root must be
 *   SHA-256("") (a different root1 is not the root of an empty tree);
 * - size1 > size2: never consistent.
 */
export function checkConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): ConsistencyCheck {
  if (!isTreeSize(size1) || !isTreeSize(size2) || size1 > size2) return { ok: false, reason: 'invalid_sizes' };
  if (root1.length !== HASH_LENGTH || root2.length !== HASH_LENGTH || proof.some((p) => p.length !== HASH_LENGTH)) {
    return { ok: false, reason: 'malformed_hash' };
  }
  if (size1 === size2) {
    if (proof.length !== 0) return { ok: false, reason: 'wrong_proof_length' };
    return hashesEqual(root1, root2) ? { ok: true } : { ok: false, reason: 'second_root_mismatch' };
  }
  if (size1 === 0) {
    if (proof.length !== 0) return { ok: false, reason: 'wrong_proof_length' };
    return hashesEqual(root1, emptyTreeHash()) ? { ok: true } : { ok: false, reason: 'first_root_mismatch' };
  }
  if (proof.length !== consistencyProofLength(size1, size2)) return { ok: false, reason: 'wrong_proof_length' };

  // 2. A power-of-two size1 is a complete subtree: its root seeds the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  // 3.–4.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5.
  let fr: Buffer = Buffer.from(path[0]);
  let sr: Buffer = Buffer.from(path[0]);
  // 6.
  for (const c of path.slice(1)) {
    if (sn === 0) return { ok: false, reason: 'wrong_proof_length' };
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7.
  if (sn !== 0) return { ok: false, reason: 'wrong_proof_length' };
  if (!hashesEqual(fr, root1)) return { ok: false, reason: 'first_root_mismatch' };
  if (!hashesEqual(sr, root2)) return { ok: false, reason: 'second_root_mismatch' };
  return { ok: true };
}

/** RFC 9162 §2.1.4.2: true only when `proof` shows the tree (size1, root1) is a prefix of (size2, root2). */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  return checkConsistency(size1, size2, proof, root1, root2).ok;
}
