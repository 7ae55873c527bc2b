import { describe, expect, it } from '@jest/globals';
import { consistencyProof, leafHash, MerkleRangeError, toHex } from '@caracal/merkle';
import { consistencyProofRanges, StreamedConsistencyProof } from './streamed-consistency-proof.js';

const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));

describe('StreamedConsistencyProof', () => {
  it('equals consistencyProof over the whole tree for every 0 ≤ size1 ≤ size2 ≤ 70', () => {
    for (let size2 = 0; size2 <= leaves.length; size2++) {
      for (let size1 = 0; size1 <= size2; size1++) {
        const builder = new StreamedConsistencyProof(size1, size2);
        for (let i = 0; i < builder.neededLeaves; i++) builder.add(leaves[i]);
        expect(builder.proof().map(toHex)).toEqual(consistencyProof(leaves.slice(0, size2), size1).map(toHex));
      }
    }
  });

  it('needs no leaves for an empty proof, and refuses too few leaves or bad sizes', () => {
    expect(new StreamedConsistencyProof(7, 7).neededLeaves).toBe(0);
    expect(consistencyProofRanges(0, 9)).toEqual([]);
    const short = new StreamedConsistencyProof(3, 9);
    short.add(leaves[0]);
    expect(() => short.proof()).toThrow(MerkleRangeError);
    expect(() => new StreamedConsistencyProof(5, 4)).toThrow(MerkleRangeError);
  });
});
