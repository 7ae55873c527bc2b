import {
  CompactRange, headHash, leafHashOfText, toHex, verifyTreeHeadSignature, type PublicKeyInput, type TreeHead,
} from '@caracal/merkle';
import type { BatchVerification, VerificationFailure } from './verification-report.js';

/** Key id → public key (SPKI PEM or KeyObject), e.g. from loadPublicKeys(). */
export type PublicKeys = ReadonlyMap<string, PublicKeyInput>;

/** A signed head as a verifier holds it: from merkle_heads or from an export bundle. */
export interface CheckedHead {
  head: TreeHead;
  signature: string;
  /** headHash(head) as recorded next to the head (merkle_heads.head_hash, heads.jsonl); checked when given. */
  headHash?: string;
}

/** One leaf of the batch: what was sealed, and the event as it is now (null when it is gone). */
export interface BatchLeaf {
  merkleIndex: number;
  /** The leaf as the sealer recorded it (merkle_leaves, or the bundle's leafHash): locates a differing event. */
  sealed: { leafHash: string; eventId: string; globalPosition: string; batchId?: string | null };
  /**
   * The event as stored now: its id and its leaf bytes as text (storedLeafText, or the same frame
   * built by the database); null when it is gone. `leafHash`: the leaf hash of that text when the
   * caller hashed it already (verify-range hashes each page as it arrives; `leafHashHex` the same
   * in hex); used instead of hashing it here.
   */
  event: { eventId: string; leafText: string; leafHash?: Buffer; leafHashHex?: string } | null;
}

export interface BatchCheckInput {
  head: CheckedHead;
  /** The previous batch's head; null for batch 1; 'missing' when batch id - 1 has no head. */
  previous: CheckedHead | null | 'missing';
  /** The batch's leaves in merkle index order (any that are missing are simply absent). */
  leaves: readonly BatchLeaf[];
  publicKeys: PublicKeys;
}

/**
 * The checks of one sealed batch, on plain data (no database, no files), shared by verifyBatch
 * and the offline bundle verifier: hashes each leaf from its event's stored bytes, rebuilds the root of the
 * whole log from the previous head's compact range (O(batch + log n)), and checks root, compact
 * range, signature, chain link to the previous head and the indexes and counts. Every finding
 * names the batch, and the merkle index and event where it can, with what was expected and found.
 */
export function checkBatch(input: BatchCheckInput): BatchVerification {
  const { head: stored, previous, leaves, publicKeys } = input;
  const { head } = stored;
  const id = head.batchId;
  const failures: VerificationFailure[] = [];

  if (previous === 'missing') {
    const previousId = (BigInt(id) - 1n).toString();
    failures.push({ reason: 'head_missing', batchId: previousId, detail: `the previous head (batch ${previousId}) is missing: chain and root not checkable` });
  } else {
    const expectedLink = previous === null ? null : headHash(previous.head);
    if (head.previousHeadHash !== expectedLink) {
      failures.push({ reason: 'chain_broken', batchId: id, expected: String(expectedLink), actual: String(head.previousHeadHash), detail: 'previousHeadHash ≠ headHash(previous head)' });
    }
    const expectedFirst = previous === null ? 0 : previous.head.lastIndex + 1;
    if (head.firstIndex !== expectedFirst) {
      failures.push({ reason: 'count_mismatch', batchId: id, expected: String(expectedFirst), actual: String(head.firstIndex), detail: 'firstIndex ≠ previous lastIndex + 1' });
    }
  }
  if (stored.headHash !== undefined && stored.headHash !== headHash(head)) {
    failures.push({ reason: 'chain_broken', batchId: id, expected: headHash(head), actual: stored.headHash, detail: 'recorded head hash ≠ headHash(head)' });
  }
  if (head.treeSize !== head.lastIndex + 1) {
    failures.push({ reason: 'count_mismatch', batchId: id, expected: String(head.lastIndex + 1), actual: String(head.treeSize), detail: 'treeSize ≠ lastIndex + 1' });
  }
  failures.push(...checkSignature(stored, publicKeys));

  const expectedLeaves = head.lastIndex - head.firstIndex + 1;
  let complete = true;
  const seen = new Set<number>();
  const hashes: Buffer[] = [];
  let previousIndex = head.firstIndex - 1;
  for (const leaf of leaves) {
    const { merkleIndex, sealed } = leaf;
    const located = { batchId: id, merkleIndex, eventId: sealed.eventId, globalPosition: sealed.globalPosition };
    if (merkleIndex < head.firstIndex || merkleIndex > head.lastIndex || seen.has(merkleIndex) || merkleIndex < previousIndex) {
      failures.push({
        reason: 'count_mismatch', ...located, expected: `[${head.firstIndex}, ${head.lastIndex}] once each, ascending`, actual: String(merkleIndex),
        detail: seen.has(merkleIndex) ? 'a second leaf at this merkle index' : 'a leaf out of order or outside the batch',
      });
      complete = false;
      continue;
    }
    seen.add(merkleIndex);
    previousIndex = merkleIndex;
    if (sealed.batchId !== undefined && sealed.batchId !== id) {
      failures.push({ reason: 'count_mismatch', ...located, expected: id, actual: String(sealed.batchId), detail: "the leaf's batch_id" });
    }
    if (leaf.event === null) {
      failures.push({ reason: 'event_missing', ...located, detail: `no event at global position ${sealed.globalPosition}` });
      complete = false;
      continue;
    }
    const recomputed = leaf.event.leafHash ?? leafHashOfText(leaf.event.leafText);
    hashes.push(recomputed);
    const actual = leaf.event.leafHashHex ?? toHex(recomputed);
    if (actual !== sealed.leafHash || leaf.event.eventId !== sealed.eventId) {
      failures.push({
        reason: 'leaf_mismatch', ...located, expected: sealed.leafHash, actual,
        detail: leaf.event.eventId === sealed.eventId
          ? 'the event differs from the one sealed'
          : `global position ${sealed.globalPosition} now holds event ${leaf.event.eventId}, sealed as event ${sealed.eventId}`,
      });
    }
  }
  if (seen.size !== expectedLeaves) {
    const missing: number[] = [];
    for (let i = head.firstIndex; i <= head.lastIndex && missing.length < 20; i++) if (!seen.has(i)) missing.push(i);
    failures.push({
      reason: 'count_mismatch', batchId: id, merkleIndex: missing[0], expected: String(expectedLeaves), actual: String(seen.size),
      detail: `${seen.size} of the batch's ${expectedLeaves} leaves are present; missing indexes ${missing.join(', ')}`,
    });
    complete = false;
  }

  // Without every leaf (or the previous head) the root is not rebuildable; those failures are above.
  if (complete && previous !== 'missing') {
    try {
      const start = previous === null ? CompactRange.empty() : CompactRange.deserialize(previous.head.compactRange);
      const range = start.appendAll(hashes);
      const root = toHex(range.root());
      if (root !== head.rootHash) {
        failures.push({ reason: 'root_mismatch', batchId: id, expected: head.rootHash, actual: root, detail: 'root rebuilt from the events ≠ signed rootHash' });
      } else if (JSON.stringify(range.serialize()) !== JSON.stringify(head.compactRange)) {
        failures.push({ reason: 'root_mismatch', batchId: id, expected: JSON.stringify(head.compactRange), actual: JSON.stringify(range.serialize()), detail: 'compact range' });
      }
    } catch (error) {
      failures.push({ reason: 'root_mismatch', batchId: id, detail: `the previous head's compact range is unusable: ${(error as Error).message}` });
    }
  }
  return { batchId: id, ok: failures.length === 0, leavesChecked: seen.size, failures };
}

/** The head's Ed25519 signature under the key its keyId names among publicKeys. */
export function checkSignature(stored: CheckedHead, publicKeys: PublicKeys): VerificationFailure[] {
  const batchId = stored.head.batchId;
  try {
    const check = verifyTreeHeadSignature(stored.head, stored.signature, publicKeys);
    if (check.ok) return [];
    return [{
      reason: check.reason === 'unknown_key' ? 'unknown_key' : 'bad_signature',
      batchId,
      actual: check.keyId,
      detail: check.reason === 'unknown_key' ? `key ${check.keyId} is not a trusted public key` : `signature check failed: ${check.reason}`,
    }];
  } catch (error) {
    return [{ reason: 'bad_signature', batchId, actual: stored.head.keyId, detail: (error as Error).message }];
  }
}
