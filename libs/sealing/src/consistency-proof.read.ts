import type { SqlExecutor } from '@caracal/event-store';
import { consistencyProof, toHex } from '@caracal/merkle';
import { loadLeafHashes } from './leaf-hashes.read.js';
import { loadHead, type StoredHead } from './merkle-heads.read.js';
import { MerkleProofError } from './merkle-proof.errors.js';

/** RFC 9162 consistency proof that `from`'s tree is a prefix of `to`'s. */
export interface ConsistencyProofDocument {
  from: StoredHead;
  to: StoredHead;
  /** Hex; empty when both heads have the same tree size. */
  proof: string[];
}

/**
 * The consistency proof between two signed heads, fromBatchId ≤ toBatchId. Errors
 * (MerkleProofError): unknown_batch, batches_out_of_order. Cost: reads every leaf hash below
 * `to`'s tree size (see loadLeafHashes).
 */
export async function loadConsistencyProof(
  sql: SqlExecutor,
  fromBatchId: bigint | number | string,
  toBatchId: bigint | number | string,
): Promise<ConsistencyProofDocument> {
  if (BigInt(fromBatchId) > BigInt(toBatchId)) {
    throw new MerkleProofError('batches_out_of_order', `batch ${fromBatchId} comes after batch ${toBatchId}`, { batchId: String(fromBatchId) });
  }
  const from = await loadHead(sql, fromBatchId);
  if (from === null) throw new MerkleProofError('unknown_batch', `merkle batch ${fromBatchId} not found`, { batchId: String(fromBatchId) });
  const to = await loadHead(sql, toBatchId);
  if (to === null) throw new MerkleProofError('unknown_batch', `merkle batch ${toBatchId} not found`, { batchId: String(toBatchId) });
  const hashes = await loadLeafHashes(sql, to.head.treeSize);
  return { from, to, proof: consistencyProof(hashes, from.head.treeSize).map(toHex) };
}
