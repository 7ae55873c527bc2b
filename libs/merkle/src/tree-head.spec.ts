import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { testHead } from './testing/heads.js';
import { CompactRange } from './compact-range.js';
import { testLeaves } from './testing/leaves.js';
import { canonicalTreeHeadBytes, headHash, validateTreeHead, type TreeHead } from './tree-head.js';
import { InvalidTreeHeadError } from './tree-head.errors.js';

describe('tree head encoding', () => {
  it('is JCS of exactly the head fields: a signature or other extra property is not part of it', () => {
    const head = testHead();
    const text = canonicalTreeHeadBytes(head).toString('utf8');
    expect(text.startsWith('{"batchId":"batch-2","compactRange":{"hashes":[')).toBe(true);
    expect(text).toContain('"firstIndex":4,"firstRecordedAt":"2024-01-31T12:00:00.000001Z"');
    expect(text.endsWith('"timestamp":"2024-01-31T12:00:05.000000Z","treeSize":10}')).toBe(true);
    const withExtra = { ...head, signature: 'ff' } as TreeHead;
    expect(canonicalTreeHeadBytes(withExtra)).toEqual(canonicalTreeHeadBytes(head));
  });

  it('chains by SHA-256 of the canonical bytes; any field change changes the hash', () => {
    const head = testHead();
    expect(headHash(head)).toBe(createHash('sha256').update(canonicalTreeHeadBytes(head)).digest('hex'));
    expect(headHash(testHead({ previousHeadHash: null }))).not.toBe(headHash(head));
    expect(headHash(testHead({ batchId: 'batch-3' }))).not.toBe(headHash(head));
  });
});

describe('validateTreeHead', () => {
  it('accepts a well-formed head (also the first, with previousHeadHash null)', () => {
    expect(() => validateTreeHead(testHead())).not.toThrow();
    expect(() => validateTreeHead(testHead({ previousHeadHash: null, firstIndex: 0 }))).not.toThrow();
  });

  const other = CompactRange.fromLeaves(testLeaves(11)).serialize();
  it.each<[string, Partial<TreeHead>, string]>([
    ['an empty batch id', { batchId: '' }, 'batchId'],
    ['treeSize ≠ lastIndex + 1', { treeSize: 11 }, 'treeSize'],
    ['firstIndex > lastIndex', { firstIndex: 10 }, 'firstIndex'],
    ['a fractional index', { firstIndex: 1.5 }, 'firstIndex'],
    ['an uppercase root', { rootHash: 'AB'.repeat(32) }, 'rootHash'],
    ['a short key id', { keyId: 'ab' }, 'keyId'],
    ['a bad previous hash', { previousHeadHash: 'xyz' }, 'previousHeadHash'],
    ['a non-canonical timestamp', { timestamp: '2024-01-31T12:00:05Z' }, 'timestamp'],
    ['a compact range of another size', { compactRange: other }, 'compactRange'],
    ['a compact range with another root', { rootHash: 'ab'.repeat(32) }, 'compactRange'],
    ['a malformed compact range', { compactRange: { size: 10, hashes: [] } }, 'compactRange'],
  ])('rejects %s', (_name, change, field) => {
    try {
      validateTreeHead(testHead(change));
      throw new Error('expected InvalidTreeHeadError');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidTreeHeadError);
      expect((error as InvalidTreeHeadError).field).toBe(field);
    }
  });
});
