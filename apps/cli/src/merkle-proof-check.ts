import {
  checkConsistency, checkInclusion, eventLeafHash, hashFromHex, toHex, verifyTreeHeadSignature,
} from '@caracal/merkle';
import type { StoredHead } from '@caracal/sealing';
import type { MerkleConsistencyProof, MerkleInclusionProof } from '@caracal/api-contract';
import { count } from './output/plural.js';

/** One thing a proof check found wrong: a reason code and what differs. */
export interface ProofFailure {
  reason: string;
  detail: string;
}

export interface ProofVerification {
  ok: boolean;
  failures: ProofFailure[];
}

/**
 * Verifies an inclusion proof from the gateway locally, trusting only `keys`: the leaf hash is
 * recomputed from the event's fields, the audit path must lead to the signed root, and the head's
 * Ed25519 signature must verify with the key it names.
 */
export function checkInclusionProof(
  document: MerkleInclusionProof,
  asked: { eventId: string; batchId?: string },
  keys: ReadonlyMap<string, string>,
): ProofVerification {
  const failures: ProofFailure[] = [];
  const { head } = document.head;
  if (asked.batchId !== undefined && head.batchId !== asked.batchId) {
    failures.push({ reason: 'wrong_head', detail: `asked for batch ${asked.batchId}, got the head of batch ${head.batchId}` });
  }
  checkHeadSignature('head', document.head, keys, failures);
  const leaf = document.leaf;
  if (leaf === null) {
    failures.push({ reason: 'event_missing', detail: `the events table no longer holds event ${asked.eventId} (merkle index ${document.merkleIndex})` });
    return { ok: false, failures };
  }
  if (leaf.eventId !== asked.eventId || leaf.merkleIndex !== String(document.merkleIndex)) {
    failures.push({
      reason: 'wrong_leaf',
      detail: `asked for event ${asked.eventId} at merkle index ${document.merkleIndex}, the leaf is event ${leaf.eventId} at ${leaf.merkleIndex}`,
    });
  }
  let recomputed: Buffer;
  try {
    recomputed = eventLeafHash(leaf);
  } catch (error) {
    failures.push({ reason: 'leaf_mismatch', detail: `the event cannot be turned into a leaf: ${(error as Error).message}` });
    return { ok: false, failures };
  }
  if (toHex(recomputed) !== document.leafHash) {
    failures.push({ reason: 'leaf_mismatch', detail: `the event's fields hash to ${toHex(recomputed)}, it was sealed as ${document.leafHash}` });
  }
  try {
    const proof = document.proof.map((hash, i) => hashFromHex(hash, `proof[${i}]`));
    const check = checkInclusion(recomputed, document.merkleIndex, head.treeSize, proof, hashFromHex(head.rootHash, 'rootHash'));
    if (!check.ok) {
      failures.push({ reason: `inclusion_${check.reason}`, detail: `the audit path (${count(proof.length, 'hash', 'hashes')}) does not lead from the leaf to root ${head.rootHash} of tree size ${head.treeSize}` });
    }
  } catch (error) {
    failures.push({ reason: 'inclusion_malformed_hash', detail: (error as Error).message });
  }
  return { ok: failures.length === 0, failures };
}

/** Verifies a consistency proof locally: both heads' signatures, and that `from`'s tree is a prefix of `to`'s. */
export function checkConsistencyProof(
  document: MerkleConsistencyProof,
  asked: { fromBatchId: string; toBatchId: string },
  keys: ReadonlyMap<string, string>,
): ProofVerification {
  const failures: ProofFailure[] = [];
  const from = document.from.head;
  const to = document.to.head;
  if (from.batchId !== asked.fromBatchId || to.batchId !== asked.toBatchId) {
    failures.push({ reason: 'wrong_head', detail: `asked for batches ${asked.fromBatchId} → ${asked.toBatchId}, got ${from.batchId} → ${to.batchId}` });
  }
  checkHeadSignature('from head', document.from, keys, failures);
  checkHeadSignature('to head', document.to, keys, failures);
  try {
    const proof = document.proof.map((hash, i) => hashFromHex(hash, `proof[${i}]`));
    const check = checkConsistency(from.treeSize, to.treeSize, proof, hashFromHex(from.rootHash, 'from rootHash'), hashFromHex(to.rootHash, 'to rootHash'));
    if (!check.ok) {
      failures.push({
        reason: `consistency_${check.reason}`,
        detail: `the proof (${count(proof.length, 'hash', 'hashes')}) does not show tree ${from.treeSize} (root ${from.rootHash}) is a prefix of tree ${to.treeSize} (root ${to.rootHash})`,
      });
    }
  } catch (error) {
    failures.push({ reason: 'consistency_malformed_hash', detail: (error as Error).message });
  }
  return { ok: failures.length === 0, failures };
}

function checkHeadSignature(label: string, signed: StoredHead, keys: ReadonlyMap<string, string>, failures: ProofFailure[]): void {
  const batch = `${label} (batch ${signed.head.batchId})`;
  try {
    const check = verifyTreeHeadSignature(signed.head, signed.signature, keys);
    if (check.ok) return;
    failures.push(
      check.reason === 'unknown_key'
        ? { reason: 'unknown_key', detail: `${batch} is signed by key ${check.keyId}, which is not a trusted public key` }
        : { reason: `signature_${check.reason}`, detail: `${batch}: the Ed25519 signature does not verify with key ${check.keyId}` },
    );
  } catch (error) {
    failures.push({ reason: 'signature_bad_key', detail: `${batch}: ${(error as Error).message}` });
  }
}
