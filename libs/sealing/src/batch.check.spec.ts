import { describe, expect, it } from '@jest/globals';
import { generateSigningKeyPair, headHash, signTreeHead } from '@caracal/merkle';
import { checkBatch, type BatchCheckInput } from './batch.check.js';
import { inMemoryLog } from './testing/in-memory-log.js';

const log = inMemoryLog(20, 6); // batches 1..4: 6, 6, 6, 2 leaves
const keys = new Map([[log.key.keyId, log.key.publicKeyPem]]);

function input(batch: number, change: Partial<BatchCheckInput> = {}): BatchCheckInput {
  return { head: log.heads[batch], previous: batch === 0 ? null : log.heads[batch - 1], leaves: log.leaves(batch), publicKeys: keys, ...change };
}

function reasons(batch: number, change: Partial<BatchCheckInput>): string[] {
  return [...new Set(checkBatch(input(batch, change)).failures.map((failure) => failure.reason))].sort();
}

describe('checkBatch (pure)', () => {
  it('passes every batch of an untampered log, the first one from the empty tree', () => {
    for (const batch of [0, 1, 2, 3]) {
      expect(checkBatch(input(batch))).toEqual({ batchId: String(batch + 1), ok: true, leavesChecked: log.heads[batch].head.lastIndex - log.heads[batch].head.firstIndex + 1, failures: [] });
    }
  });

  it('locates a changed event: leaf_mismatch with index, event, expected and actual leaf hash; root_mismatch', () => {
    const leaves = log.leaves(1);
    leaves[2] = { ...leaves[2], event: { ...leaves[2].event!, leafText: leaves[2].event!.leafText.replace(/"data":\{"i":\d+/, '"data":{"i":999') } };
    const result = checkBatch(input(1, { leaves }));
    expect(result.ok).toBe(false);
    expect(result.failures).toEqual([
      expect.objectContaining({ reason: 'leaf_mismatch', batchId: '2', merkleIndex: 8, eventId: log.events[8].eventId, expected: log.events[8].leafHash }),
      expect.objectContaining({ reason: 'root_mismatch', batchId: '2', expected: log.heads[1].head.rootHash }),
    ]);
  });

  it('names a missing event, a missing leaf, a duplicate and an event whose bytes changed', () => {
    const leaves = log.leaves(0);
    expect(checkBatch(input(0, { leaves: leaves.map((leaf, i) => (i === 3 ? { ...leaf, event: null } : leaf)) })).failures)
      .toEqual([expect.objectContaining({ reason: 'event_missing', merkleIndex: 3, eventId: log.events[3].eventId })]);
    expect(checkBatch(input(0, { leaves: leaves.filter((_, i) => i !== 4) })).failures)
      .toEqual([expect.objectContaining({ reason: 'count_mismatch', merkleIndex: 4, expected: '6', actual: '5' })]);
    expect(checkBatch(input(0, { leaves: [...leaves.slice(0, 2), leaves[1], ...leaves.slice(2)] })).failures)
      .toEqual([expect.objectContaining({ reason: 'count_mismatch', merkleIndex: 1, detail: 'a second leaf at this merkle index' })]);
    const broken = leaves.map((leaf, i) => (i === 0 ? { ...leaf, event: { ...leaf.event!, leafText: leaf.event!.leafText.replace(/"recordedAt":"[^"]*"/, '"recordedAt":"yesterday"') } } : leaf));
    expect(checkBatch(input(0, { leaves: broken })).failures).toEqual([
      expect.objectContaining({ reason: 'leaf_mismatch', merkleIndex: 0 }), expect.objectContaining({ reason: 'root_mismatch' }),
    ]);
  });

  it('checks the chain, the first index, the recorded head hash and that a previous head exists', () => {
    expect(reasons(2, { previous: log.heads[0] })).toEqual(['chain_broken', 'count_mismatch', 'root_mismatch']);
    expect(checkBatch(input(2, { previous: 'missing' })).failures).toEqual([expect.objectContaining({ reason: 'head_missing', batchId: '2' })]);
    expect(reasons(1, { head: { ...log.heads[1], headHash: '0'.repeat(64) } })).toEqual(['chain_broken']);
    expect(reasons(1, { previous: null })).toEqual(['chain_broken', 'count_mismatch', 'root_mismatch']);
  });

  it('checks the signature: unknown key, another key under the same id, a key listed under a wrong id', () => {
    const other = generateSigningKeyPair();
    expect(checkBatch(input(1, { publicKeys: new Map([[other.keyId, other.publicKeyPem]]) })).failures)
      .toEqual([expect.objectContaining({ reason: 'unknown_key', batchId: '2', actual: log.key.keyId })]);
    const { head } = log.heads[1];
    const forgedSignature = signTreeHead({ ...head, keyId: other.keyId }, other.privateKeyPem);
    expect(reasons(1, { head: { head, signature: forgedSignature, headHash: headHash(head) } })).toEqual(['bad_signature']);
    expect(reasons(1, { publicKeys: new Map([[log.key.keyId, other.publicKeyPem]]) })).toEqual(['bad_signature']);
  });
});
