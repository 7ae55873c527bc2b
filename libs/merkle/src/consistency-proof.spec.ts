import { describe, expect, it } from '@jest/globals';
import { checkConsistency, consistencyProof, verifyConsistency } from './consistency-proof.js';
import { emptyTreeHash } from './hash.js';
import { MerkleRangeError } from './merkle.errors.js';
import { MerkleTree } from './merkle-tree.js';
import { flipBit, seededRandom, testLeaves } from './testing/leaves.js';
import { referenceProof } from './testing/reference.js';
import { consistencyProofLength } from './tree-math.js';

const MAX = 300;
// Compared as text: deep equality of Buffer arrays is slow in Jest.
const hex = (proof: Buffer[]) => proof.map((node) => node.toString('hex')).join(',');
const leaves = testLeaves(MAX);
const trees = Array.from({ length: MAX + 1 }, (_, n) => MerkleTree.fromLeafHashes(leaves.slice(0, n)));
const roots = trees.map((tree) => tree.root());

describe('consistencyProof', () => {
  it('equals RFC 6962 PROOF(m, D[n]) for every 0 < m < n ≤ 32', () => {
    for (let n = 2; n <= 32; n += 1) {
      for (let m = 1; m < n; m += 1) expect(hex(consistencyProof(trees[n], m))).toBe(hex(referenceProof(m, leaves.slice(0, n))));
    }
  });

  it('is empty for size1 = 0 and size1 = size2; refuses size1 > size2', () => {
    expect(consistencyProof(trees[9], 0)).toEqual([]);
    expect(consistencyProof(trees[9], 9)).toEqual([]);
    expect(consistencyProof(leaves.slice(0, 9), 4)).toEqual(consistencyProof(trees[9], 4));
    expect(() => consistencyProof(trees[9], 10)).toThrow(MerkleRangeError);
  });
});

describe('verifyConsistency (RFC 9162 §2.1.4.2)', () => {
  it(`verifies every proof for every size1 ≤ size2 ≤ ${MAX}, each of the exact expected length`, () => {
    for (let n = 0; n <= MAX; n += 1) {
      for (let m = 0; m <= n; m += 1) {
        const proof = consistencyProof(trees[n], m);
        if (m > 0 && m < n && proof.length !== consistencyProofLength(m, n)) throw new Error(`proof (${m}, ${n}) has ${proof.length} nodes`);
        if (!verifyConsistency(m, n, proof, roots[m], roots[n])) throw new Error(`proof (${m}, ${n}) did not verify`);
      }
    }
  });

  it('rejects every tampering: flipped bit, swapped nodes, wrong sizes, wrong roots, truncated or extended proof', () => {
    const random = seededRandom(9162);
    const cases: Array<[number, number]> = [];
    for (let n = 2; n <= 32; n += 1) for (let m = 1; m < n; m += 1) cases.push([m, n]);
    for (let i = 0; i < 600; i += 1) {
      const n = 33 + random(MAX - 32);
      cases.push([1 + random(n - 1), n]);
    }
    for (const [m, n] of cases) {
      const proof = consistencyProof(trees[n], m);
      const fails = (s1: number, s2: number, path: Buffer[], r1: Buffer, r2: Buffer, why: string) => {
        if (verifyConsistency(s1, s2, path, r1, r2)) throw new Error(`(${m}, ${n}) accepted with ${why}`);
      };
      for (let p = 0; p < proof.length; p += 1) {
        const tampered = [...proof];
        tampered[p] = flipBit(proof[p], random(256));
        fails(m, n, tampered, roots[m], roots[n], `a flipped bit in node ${p}`);
        if (p + 1 < proof.length && !proof[p].equals(proof[p + 1])) {
          const swapped = [...proof];
          [swapped[p], swapped[p + 1]] = [swapped[p + 1], swapped[p]];
          fails(m, n, swapped, roots[m], roots[n], `nodes ${p}, ${p + 1} swapped`);
        }
      }
      fails(m, n, proof, flipBit(roots[m], random(256)), roots[n], 'a flipped bit in root1');
      fails(m, n, proof, roots[m], flipBit(roots[n], random(256)), 'a flipped bit in root2');
      // A wrong size is claimed together with that size's root (a head signs both).
      if (m + 1 < n) fails(m + 1, n, proof, roots[m + 1], roots[n], 'size1 + 1');
      if (m > 1) fails(m - 1, n, proof, roots[m - 1], roots[n], 'size1 - 1');
      if (n < MAX) fails(m, n + 1, proof, roots[m], roots[n + 1], 'size2 + 1');
      if (n - 1 > m) fails(m, n - 1, proof, roots[m], roots[n - 1], 'size2 - 1');
      if (proof.length > 0) fails(m, n, proof.slice(0, -1), roots[m], roots[n], 'a truncated proof');
      fails(m, n, [...proof, leaves[0]], roots[m], roots[n], 'an extended proof');
      fails(m, n, [leaves[0], ...proof], roots[m], roots[n], 'a node prepended');
    }
  });

  it('handles the edge cases outside 0 < size1 < size2', () => {
    const empty = emptyTreeHash();
    expect(checkConsistency(5, 5, [], roots[5], roots[5])).toEqual({ ok: true });
    expect(checkConsistency(5, 5, [leaves[0]], roots[5], roots[5])).toEqual({ ok: false, reason: 'wrong_proof_length' });
    expect(checkConsistency(5, 5, [], roots[5], roots[4])).toEqual({ ok: false, reason: 'second_root_mismatch' });
    expect(checkConsistency(0, 7, [], empty, roots[7])).toEqual({ ok: true });
    expect(checkConsistency(0, 0, [], empty, empty)).toEqual({ ok: true });
    expect(checkConsistency(0, 7, [leaves[0]], empty, roots[7])).toEqual({ ok: false, reason: 'wrong_proof_length' });
    expect(checkConsistency(0, 7, [], roots[3], roots[7])).toEqual({ ok: false, reason: 'first_root_mismatch' });
    expect(checkConsistency(7, 5, [], roots[7], roots[5])).toEqual({ ok: false, reason: 'invalid_sizes' });
    expect(checkConsistency(-1, 5, [], roots[7], roots[5])).toEqual({ ok: false, reason: 'invalid_sizes' });
    expect(checkConsistency(3, 7, [], roots[3], roots[7])).toEqual({ ok: false, reason: 'wrong_proof_length' });
  });

  it('names which root differs', () => {
    const proof = consistencyProof(trees[20], 7);
    expect(checkConsistency(7, 20, proof, roots[6], roots[20])).toEqual({ ok: false, reason: 'first_root_mismatch' });
    expect(checkConsistency(7, 20, proof, roots[7], roots[19])).toEqual({ ok: false, reason: 'second_root_mismatch' });
    expect(checkConsistency(7, 20, [proof[0].subarray(2), ...proof.slice(1)], roots[7], roots[20])).toEqual({ ok: false, reason: 'malformed_hash' });
  });
});
