import { asBuffer, emptyTreeHash, nodeHash } from './hash.js';
import { MerkleRangeError } from './merkle.errors.js';
import { merkleTreeHash } from './merkle-tree-hash.js';

/**
 * A whole tree kept in memory, level by level, so proofs are generated in O(log n) after one
 * O(n) build. levels[0] are the leaf hashes; levels[h][j] is the root of the leaves
 * [j·2^h, min((j+1)·2^h, size)) — an unpaired last node is carried up unchanged (see
 * merkleTreeHash), so every subtree RFC 6962's recursion visits is one stored node.
 */
export class MerkleTree {
  private readonly levels: Buffer[][];

  private constructor(levels: Buffer[][]) {
    this.levels = levels;
  }

  static fromLeafHashes(leafHashes: readonly Uint8Array[]): MerkleTree {
    const levels: Buffer[][] = [leafHashes.map(asBuffer)];
    // Checks the leaf lengths (nodeHash does for the others); the result equals the top node.
    if (leafHashes.length === 1) merkleTreeHash(leafHashes);
    let level = levels[0];
    while (level.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
      if (level.length % 2 === 1) next.push(level[level.length - 1]);
      levels.push(next);
      level = next;
    }
    return new MerkleTree(levels);
  }

  get size(): number {
    return this.levels[0].length;
  }

  root(): Buffer {
    const top = this.levels[this.levels.length - 1];
    return top.length === 0 ? emptyTreeHash() : Buffer.from(top[0]);
  }

  leafHash(index: number): Buffer {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      throw new MerkleRangeError(`leaf index ${index} is outside a tree of size ${this.size}`);
    }
    return Buffer.from(this.levels[0][index]);
  }

  /** Number of levels above the leaves. */
  get height(): number {
    return this.levels.length - 1;
  }

  /** levels[h][j], or undefined past the end of the level (a node that has no sibling there). */
  nodeAt(height: number, position: number): Buffer | undefined {
    return this.levels[height]?.[position];
  }

  /**
   * MTH(D[start:end]) for a range RFC 6962's recursion can visit: aligned to a power of two
   * 2^h ≥ end - start, and either exactly 2^h long or ending at the tree's end.
   */
  subtreeHash(start: number, end: number): Buffer {
    const length = end - start;
    if (!(start >= 0 && end <= this.size && length >= 1)) {
      throw new MerkleRangeError(`range [${start}, ${end}) is not inside a tree of size ${this.size}`);
    }
    let height = 0;
    while (2 ** height < length) height += 1;
    const width = 2 ** height;
    if (start % width !== 0 || (length !== width && end !== this.size)) {
      throw new MerkleRangeError(`range [${start}, ${end}) is not a subtree of a tree of size ${this.size}`);
    }
    return Buffer.from(this.levels[height][start / width]);
  }
}
