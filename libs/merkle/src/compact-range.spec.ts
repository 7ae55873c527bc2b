import { describe, expect, it } from '@jest/globals';
import { CompactRange } from './compact-range.js';
import { InvalidCompactRangeError, InvalidHashError } from './merkle.errors.js';
import { merkleTreeHash } from './merkle-tree-hash.js';
import { testLeaves } from './testing/leaves.js';

describe('CompactRange', () => {
  const leaves = testLeaves(300);

  it('has root = MTH for every n = 0..300, also after serialise/deserialise', () => {
    let range = CompactRange.empty();
    for (let n = 0; n <= 300; n += 1) {
      const expected = merkleTreeHash(leaves.slice(0, n));
      expect(range.size).toBe(n);
      expect(range.root().equals(expected)).toBe(true);
      const restored = CompactRange.deserialize(JSON.parse(JSON.stringify(range.serialize())));
      expect(restored.size).toBe(n);
      expect(restored.root().equals(expected)).toBe(true);
      expect(CompactRange.fromLeaves(leaves.slice(0, n)).serialize()).toEqual(range.serialize());
      if (n < 300) range = range.append(leaves[n]);
    }
  });

  it('holds one hash per set bit of the size (≤ log2 n + 1)', () => {
    expect(CompactRange.fromLeaves(leaves.slice(0, 255)).hashes()).toHaveLength(8);
    expect(CompactRange.fromLeaves(leaves.slice(0, 256)).hashes()).toHaveLength(1);
    expect(CompactRange.fromLeaves(leaves.slice(0, 0)).serialize()).toEqual({ size: 0, hashes: [] });
  });

  it('continues a stored range with a batch: previous head + batch leaves = new root', () => {
    for (const [before, batch] of [[0, 7], [1, 1], [5, 100], [128, 172], [255, 45]]) {
      const stored = CompactRange.fromLeaves(leaves.slice(0, before)).serialize();
      const continued = CompactRange.deserialize(stored).appendAll(leaves.slice(before, before + batch));
      expect(continued.root().equals(merkleTreeHash(leaves.slice(0, before + batch)))).toBe(true);
    }
  });

  it('is immutable: append returns a new range', () => {
    const range = CompactRange.fromLeaves(leaves.slice(0, 3));
    const root = range.root();
    range.append(leaves[3]);
    expect(range.size).toBe(3);
    expect(range.root().equals(root)).toBe(true);
  });

  it.each([
    [{ size: -1, hashes: [] }, 'invalid_size'],
    [{ size: 1.5, hashes: [] }, 'invalid_size'],
    [{ size: 3, hashes: ['00'.repeat(32)] }, 'wrong_hash_count'],
    [{ size: 1, hashes: ['AB'.repeat(32)] }, 'invalid_hash'],
    [{ size: 1, hashes: ['ab'.repeat(31)] }, 'invalid_hash'],
  ])('rejects %j (%s)', (serialized, reason) => {
    expect(() => CompactRange.deserialize(serialized)).toThrow(InvalidCompactRangeError);
    try {
      CompactRange.deserialize(serialized);
    } catch (error) {
      expect((error as InvalidCompactRangeError).reason).toBe(reason);
    }
  });

  it('refuses a leaf hash of the wrong length', () => {
    expect(() => CompactRange.empty().append(Buffer.alloc(31))).toThrow(InvalidHashError);
  });
});
