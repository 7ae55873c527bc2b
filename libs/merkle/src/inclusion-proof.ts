import { HASH_LENGTH, hashesEqual, nodeHash } from './hash.js';
import { MerkleRangeError } from './merkle.errors.js';
import { MerkleTree } from './merkle-tree.js';
import { inclusionProofLength, isTreeSize } from './tree-math.js';

/**
 * The audit path of RFC 6962 §2.1.1 / RFC 9162 §2.1.3.1 for leaf `index`: sibling hashes from
 * the leaf up to the root. `source` is the tree (or its leaves) at the size the proof is for.
 */
export function inclusionProof(source: MerkleTree | readonly Uint8Array[], index: number): Buffer[] {
  const tree = source instanceof MerkleTree ? source : MerkleTree.fromLeafHashes(source);
  if (!Number.isSafeInteger(index) || index < 0 || index >= tree.size) {
    throw new MerkleRangeError(`leaf index ${index} is outside a tree of size ${tree.size}`);
  }
  const proof: Buffer[] = [];
  let position = index;
  for (let height = 0; height < tree.height; height += 1) {
    const sibling = tree.nodeAt(height, position % 2 === 0 ? position + 1 : position - 1);
    // No sibling: this node is the unpaired right edge, carried up unhashed, so no proof step.
    if (sibling !== undefined) proof.push(Buffer.from(sibling));
    position = Math.floor(position / 2);
  }
  return proof;
}

export type InclusionFailure = 'index_out_of_range' | 'wrong_proof_length' | 'malformed_hash' | 'root_mismatch';

export type InclusionCheck = { ok: true } | { ok: false; reason: InclusionFailure };

/**
 * RFC 9162 §2.1.3.2, with the reason for a failure (a verifier reports what differs). A proof
 * longer or shorter than the exact length for (index, treeSize) is refused before any hashing.
 */
export function checkInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): InclusionCheck {
  if (!isTreeSize(index) || !isTreeSize(treeSize) || index >= treeSize) return { ok: false, reason: 'index_out_of_range' };
  if (leafHash.length !== HASH_LENGTH || root.length !== HASH_LENGTH || proof.some((p) => p.length !== HASH_LENGTH)) {
    return { ok: false, reason: 'malformed_hash' };
  }
  if (proof.length !== inclusionProofLength(index, treeSize)) return { ok: false, reason: 'wrong_proof_length' };

  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) return { ok: false, reason: 'wrong_proof_length' };
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this node was the unpaired right edge (no sibling to hash with).
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return { ok: false, reason: 'wrong_proof_length' };
  return hashesEqual(r, root) ? { ok: true } : { ok: false, reason: 'root_mismatch' };
}

/** RFC 9162 §2.1.3.2: true only when `proof` proves `leafHash` is leaf `index` of the tree with `root`. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  return checkInclusion(leafHash, index, treeSize, proof, root).ok;
}

