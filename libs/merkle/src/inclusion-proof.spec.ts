import { describe, expect, it } from '@jest/globals';
import { checkInclusion, inclusionProof, verifyInclusion } from './inclusion-proof.js';
import { MerkleRangeError } from './merkle.errors.js';
import { MerkleTree } from './merkle-tree.js';
import { flipBit, seededRandom, testLeaves } from './testing/leaves.js';
import { referencePath } from './testing/reference.js';
import { inclusionProofLength } from './tree-math.js';

const MAX = 300;
// Compared as text: deep equality of Buffer arrays is slow in Jest.
const hex = (proof: Buffer[]) => proof.map((node) => node.toString('hex')).join(',');
const leaves = testLeaves(MAX);
const trees = Array.from({ length: MAX + 1 }, (_, n) => MerkleTree.fromLeafHashes(leaves.slice(0, n)));

describe('inclusionProof', () => {
  it('equals RFC 6962 PATH(m, D[n]) for every m < n ≤ 32', () => {
    for (let n = 1; n <= 32; n += 1) {
      for (let m = 0; m < n; m += 1) {
        expect(hex(inclusionProof(trees[n], m))).toBe(hex(referencePath(m, leaves.slice(0, n))));
      }
    }
  });

  it('accepts the leaves instead of a tree', () => {
    expect(inclusionProof(leaves.slice(0, 11), 6)).toEqual(inclusionProof(trees[11], 6));
  });

  it('refuses an index outside the tree', () => {
    expect(() => inclusionProof(trees[5], 5)).toThrow(MerkleRangeError);
    expect(() => inclusionProof(trees[5], -1)).toThrow(MerkleRangeError);
    expect(() => inclusionProof(trees[0], 0)).toThrow(MerkleRangeError);
  });
});

describe('verifyInclusion (RFC 9162 §2.1.3.2)', () => {
  it(`verifies every proof for every (index, size ≤ ${MAX}), each of the exact expected length`, () => {
    for (let n = 1; n <= MAX; n += 1) {
      const root = trees[n].root();
      for (let m = 0; m < n; m += 1) {
        const proof = inclusionProof(trees[n], m);
        if (proof.length !== inclusionProofLength(m, n)) throw new Error(`proof (${m}, ${n}) has ${proof.length} nodes`);
        if (!verifyInclusion(leaves[m], m, n, proof, root)) throw new Error(`proof (${m}, ${n}) did not verify`);
      }
    }
  });

  it('rejects every tampering: flipped bit, swapped siblings, wrong index, wrong size, wrong leaf, truncated or extended proof', () => {
    const random = seededRandom(6962);
    const cases: Array<[number, number]> = [];
    for (let n = 1; n <= 32; n += 1) for (let m = 0; m < n; m += 1) cases.push([m, n]);
    for (let i = 0; i < 600; i += 1) {
      const n = 33 + random(MAX - 32);
      cases.push([random(n), n]);
    }
    for (const [m, n] of cases) {
      const tree = trees[n];
      const root = tree.root();
      const proof = inclusionProof(tree, m);
      const fails = (leaf: Buffer, index: number, size: number, path: Buffer[], r: Buffer, why: string) => {
        if (verifyInclusion(leaf, index, size, path, r)) throw new Error(`(${m}, ${n}) accepted with ${why}`);
      };
      for (let p = 0; p < proof.length; p += 1) {
        const tampered = [...proof];
        tampered[p] = flipBit(proof[p], random(256));
        fails(leaves[m], m, n, tampered, root, `a flipped bit in node ${p}`);
        if (p + 1 < proof.length) {
          const swapped = [...proof];
          [swapped[p], swapped[p + 1]] = [swapped[p + 1], swapped[p]];
          if (!swapped[p].equals(swapped[p + 1])) fails(leaves[m], m, n, swapped, root, `nodes ${p}, ${p + 1} swapped`);
        }
      }
      fails(flipBit(leaves[m], random(256)), m, n, proof, root, 'a flipped leaf bit');
      fails(leaves[m], m, n, proof, flipBit(root, random(256)), 'a flipped root bit');
      if (n > 1) fails(leaves[m], (m + 1) % n, n, proof, root, 'the wrong index');
      // A wrong size is claimed together with that size's root (a head signs both): the same
      // path can fit several sizes against one root, so only the pair binds the size.
      if (n < MAX) fails(leaves[m], m, n + 1, proof, trees[n + 1].root(), 'size + 1');
      if (m < n - 1) fails(leaves[m], m, n - 1, proof, trees[n - 1].root(), 'size - 1');
      if (proof.length > 0) fails(leaves[m], m, n, proof.slice(0, -1), root, 'a truncated proof');
      fails(leaves[m], m, n, [...proof, leaves[0]], root, 'an extended proof');
    }
  });

  it('names the reason for a failure', () => {
    const proof = inclusionProof(trees[10], 3);
    const root = trees[10].root();
    expect(checkInclusion(leaves[3], 3, 10, proof, root)).toEqual({ ok: true });
    expect(checkInclusion(leaves[3], 10, 10, proof, root)).toEqual({ ok: false, reason: 'index_out_of_range' });
    expect(checkInclusion(leaves[3], 0, 0, [], root)).toEqual({ ok: false, reason: 'index_out_of_range' });
    expect(checkInclusion(leaves[3], 3, 10, proof.slice(1), root)).toEqual({ ok: false, reason: 'wrong_proof_length' });
    expect(checkInclusion(leaves[3], 3, 10, [proof[0].subarray(1), ...proof.slice(1)], root)).toEqual({ ok: false, reason: 'malformed_hash' });
    expect(checkInclusion(leaves[4], 3, 10, proof, root)).toEqual({ ok: false, reason: 'root_mismatch' });
  });

  it('verifies a single-leaf tree with an empty proof', () => {
    expect(verifyInclusion(leaves[0], 0, 1, [], leaves[0])).toBe(true);
    expect(verifyInclusion(leaves[0], 0, 1, [leaves[1]], leaves[0])).toBe(false);
  });
});
