import { HASH_LENGTH, asBuffer, emptyTreeHash, nodeHash } from './hash.js';
import { isHashHex, toHex } from './hex.js';
import { InvalidCompactRangeError, InvalidHashError } from './merkle.errors.js';
import { isTreeSize, popCount } from './tree-math.js';

/** How a tree head stores a compact range: its size and the subtree roots, largest first, hex. */
export interface SerializedCompactRange {
  size: number;
  hashes: string[];
}

/**
 * The compact range [0, size): the roots of the perfect subtrees that the binary digits of
 * `size` decompose the leaves into, largest (leftmost) first — at most log2(size) + 1 hashes.
 * (RFC 9162 / transparency-dev "compact range"; also called a Merkle mountain range.)
 *
 * It is all a verifier needs to continue a tree: a head stores it, and the next batch's root is
 * rebuilt by appending the batch's leaves — O(batch + log n), without the older leaves.
 *
 * Immutable: `append` returns a new range, so a head's range can be shared without copying.
 */
export class CompactRange {
  private constructor(
    /** Number of leaves covered, [0, size). */
    readonly size: number,
    // nodes[i] is the root of a perfect subtree; sizes follow the set bits of `size`, high to low.
    private readonly nodes: readonly Buffer[],
  ) {}

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  static fromLeaves(leafHashes: readonly Uint8Array[]): CompactRange {
    return CompactRange.empty().appendAll(leafHashes);
  }

  /** Reads a stored range back; rejects a hash count that does not match the size's bits. */
  static deserialize(serialized: SerializedCompactRange): CompactRange {
    const { size, hashes } = serialized ?? ({} as SerializedCompactRange);
    if (!isTreeSize(size)) throw new InvalidCompactRangeError('invalid_size', `size must be a non-negative safe integer, got ${String(size)}`);
    if (!Array.isArray(hashes) || hashes.length !== popCount(size)) {
      throw new InvalidCompactRangeError('wrong_hash_count', `size ${size} needs ${popCount(size)} hashes`);
    }
    const nodes = hashes.map((hash, i) => {
      if (!isHashHex(hash)) throw new InvalidCompactRangeError('invalid_hash', `hashes[${i}] is not 64 lowercase hex digits`);
      return Buffer.from(hash, 'hex');
    });
    return new CompactRange(size, nodes);
  }

  /** Adds one leaf: like incrementing a binary counter, equal-sized subtrees merge as carries. */
  append(leafHash: Uint8Array): CompactRange {
    return this.appendAll([leafHash]);
  }

  appendAll(leafHashes: readonly Uint8Array[]): CompactRange {
    const nodes = [...this.nodes];
    let size = this.size;
    for (const leaf of leafHashes) {
      if (leaf.length !== HASH_LENGTH) throw new InvalidHashError('leaf hash', 'wrong_length');
      let carry = asBuffer(leaf);
      // Each trailing 1-bit of size is a subtree as large as the one being carried: merge them.
      for (let bits = size; bits % 2 === 1; bits = Math.floor(bits / 2)) {
        carry = nodeHash(nodes.pop() as Buffer, carry);
      }
      nodes.push(carry);
      size += 1;
    }
    return new CompactRange(size, nodes);
  }

  /**
   * The Merkle tree hash of [0, size): the subtree roots folded right to left. Equals MTH because
   * RFC 6962 splits off the largest power of two first, i.e. exactly these subtrees in order.
   */
  root(): Buffer {
    if (this.nodes.length === 0) return emptyTreeHash();
    let acc = this.nodes[this.nodes.length - 1];
    for (let i = this.nodes.length - 2; i >= 0; i -= 1) acc = nodeHash(this.nodes[i], acc);
    return Buffer.from(acc);
  }

  /** The subtree roots, largest first (copies). */
  hashes(): Buffer[] {
    return this.nodes.map((node) => Buffer.from(node));
  }

  serialize(): SerializedCompactRange {
    return { size: this.size, hashes: this.nodes.map(toHex) };
  }
}
