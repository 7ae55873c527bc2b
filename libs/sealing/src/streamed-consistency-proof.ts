import { CompactRange, MerkleRangeError } from '@caracal/merkle';

/**
 * The leaf ranges [start, end) whose subtree hashes form PROOF(size1, D[size2]) (RFC 6962 §2.1.2),
 * in proof order: the SUBPROOF recursion of consistencyProof, without the tree.
 */
export function consistencyProofRanges(size1: number, size2: number): Array<[number, number]> {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size1 > size2) {
    throw new MerkleRangeError(`size ${size1} is not a prefix of a tree of size ${size2}`);
  }
  const ranges: Array<[number, number]> = [];
  if (size1 === 0 || size1 === size2) return ranges;
  const walk = (m: number, start: number, end: number, complete: boolean): void => {
    const n = end - start;
    if (m === n) {
      if (!complete) ranges.push([start, end]);
      return;
    }
    let k = 1;
    while (k * 2 < n) k *= 2;
    if (m <= k) {
      walk(m, start, start + k, complete);
      ranges.push([start + k, end]);
    } else {
      walk(m - k, start + k, end, false);
      ranges.push([start, start + k]);
    }
  };
  walk(size1, 0, size2, true);
  return ranges;
}

/**
 * Builds a consistency proof from leaf hashes fed one at a time in index order, holding one
 * compact range per proof node (O(log n) memory), so an export over millions of leaves never
 * holds the tree. The proof's ranges are disjoint, so each leaf feeds at most one of them.
 */
export class StreamedConsistencyProof {
  private readonly ranges: Array<[number, number]>;
  private readonly builders: CompactRange[];
  private next = 0;

  constructor(readonly size1: number, readonly size2: number) {
    this.ranges = consistencyProofRanges(size1, size2);
    this.builders = this.ranges.map(() => CompactRange.empty());
  }

  /** The number of leaves to feed: [0, neededLeaves), or 0 when the proof is empty. */
  get neededLeaves(): number {
    return this.ranges.length === 0 ? 0 : this.size2;
  }

  add(leafHash: Uint8Array): void {
    const index = this.next;
    this.next += 1;
    const slot = this.ranges.findIndex(([start, end]) => index >= start && index < end);
    if (slot >= 0) this.builders[slot] = this.builders[slot].append(leafHash);
  }

  proof(): Buffer[] {
    if (this.next !== this.neededLeaves) throw new MerkleRangeError(`the proof needs ${this.neededLeaves} leaves, got ${this.next}`);
    return this.builders.map((builder) => builder.root());
  }
}
