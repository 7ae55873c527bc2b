import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { emptyTreeHash, leafHash, nodeHash } from './hash.js';
import { InvalidHashError } from './merkle.errors.js';
import { merkleTreeHash } from './merkle-tree-hash.js';
import { MerkleTree } from './merkle-tree.js';
import { testLeaves } from './testing/leaves.js';
import { referenceMth } from './testing/reference.js';

interface Vectors {
  leaves_hex: string[];
  empty_root: string;
  roots: Record<string, string>;
}

const vectors = JSON.parse(readFileSync(new URL('./testing/merkle-vectors.json', import.meta.url), 'utf8')) as Vectors;
const vectorLeaves = vectors.leaves_hex.map((hex) => leafHash(Buffer.from(hex, 'hex')));

describe('leafHash / nodeHash', () => {
  it('prefixes 0x00 for leaves and 0x01 for nodes (RFC 6962 domain separation)', () => {
    // SHA-256(0x00) — the hash of the empty leaf, the first CT test leaf.
    expect(leafHash(new Uint8Array()).toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    const [a, b] = testLeaves(2);
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();
    expect(leafHash(Buffer.from('abc')).equals(sha256(Buffer.from('\x00abc', 'latin1')))).toBe(true);
    expect(nodeHash(a, b).equals(sha256(Buffer.concat([Buffer.from([1]), a, b])))).toBe(true);
    expect(nodeHash(a, b).equals(nodeHash(b, a))).toBe(false);
  });

  it('refuses children that are not 32-byte hashes', () => {
    const [a] = testLeaves(1);
    expect(() => nodeHash(a, a.subarray(1))).toThrow(InvalidHashError);
    expect(() => nodeHash(Buffer.alloc(33), a)).toThrow(InvalidHashError);
  });
});

describe('merkleTreeHash', () => {
  it('matches the empty root: SHA-256("")', () => {
    expect(merkleTreeHash([]).toString('hex')).toBe(vectors.empty_root);
    expect(emptyTreeHash().toString('hex')).toBe(vectors.empty_root);
    expect(MerkleTree.fromLeafHashes([]).root().toString('hex')).toBe(vectors.empty_root);
  });

  it.each(Object.entries(vectors.roots))('matches the RFC 6962 / CT test root for %s leaves', (n, root) => {
    const leaves = vectorLeaves.slice(0, Number(n));
    expect(merkleTreeHash(leaves).toString('hex')).toBe(root);
    expect(MerkleTree.fromLeafHashes(leaves).root().toString('hex')).toBe(root);
  });

  it('equals the recursive RFC definition for n = 0..300', () => {
    const leaves = testLeaves(300);
    for (let n = 0; n <= 300; n += 1) {
      const expected = referenceMth(leaves.slice(0, n));
      expect(merkleTreeHash(leaves.slice(0, n)).equals(expected)).toBe(true);
      expect(MerkleTree.fromLeafHashes(leaves.slice(0, n)).root().equals(expected)).toBe(true);
    }
  });

  it('refuses a leaf hash of the wrong length, even alone', () => {
    expect(() => merkleTreeHash([Buffer.alloc(31)])).toThrow(InvalidHashError);
    expect(() => merkleTreeHash([...testLeaves(2), Buffer.alloc(5)])).toThrow(InvalidHashError);
  });
});
