import { CompactRange } from '../compact-range.js';
import { toHex } from '../hex.js';
import type { TreeHead } from '../tree-head.js';
import { testLeaves } from './leaves.js';

/** A well-formed head over testLeaves(size) for batch [4, size - 1]; overrides replace fields. */
export function testHead(overrides: Partial<TreeHead> = {}, size = 10): TreeHead {
  const range = CompactRange.fromLeaves(testLeaves(size));
  return {
    batchId: 'batch-2',
    treeSize: size,
    rootHash: toHex(range.root()),
    firstIndex: 4,
    lastIndex: size - 1,
    firstRecordedAt: '2024-01-31T12:00:00.000001Z',
    lastRecordedAt: '2024-01-31T12:00:04.999999Z',
    previousHeadHash: 'ab'.repeat(32),
    timestamp: '2024-01-31T12:00:05.000000Z',
    keyId: 'cd'.repeat(32),
    compactRange: range.serialize(),
    ...overrides,
  };
}
