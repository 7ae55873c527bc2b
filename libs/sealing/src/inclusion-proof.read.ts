import type { SqlExecutor } from '@caracal/event-store';
import { inclusionProof, toHex } from '@caracal/merkle';
import type { EventLeafFields } from './export-bundle.js';
import { loadLeafHashes } from './leaf-hashes.read.js';
import { loadHead, loadLatestHead, type StoredHead } from './merkle-heads.read.js';
import { MerkleProofError } from './merkle-proof.errors.js';
import { leafInputOf, loadLeafEvents } from './verify-batch.js';
import { sealedLeafSql } from './sealed-leaf.sql.js';

/** An event's RFC 9162 inclusion proof against a signed head: everything a verifier needs but the public key. */
export interface InclusionProofDocument {
  /**
   * The event's leaf input fields, re-read from the events table as it is now (at the global
   * position it was sealed at); null when no event is there any more. A verifier hashes these
   * itself, so a changed event fails the proof.
   */
  leaf: EventLeafFields | null;
  /** The leaf hash stored when the event was sealed (hex). */
  leafHash: string;
  merkleIndex: number;
  /** The batch that sealed the event. */
  eventBatchId: string;
  /** The head proved against: the requested batch's, else the latest. */
  head: StoredHead;
  /** Audit path, leaf to root (hex). */
  proof: string[];
}

/**
 * The inclusion proof of event `eventId` in the tree of `batchId`'s head (default: the latest
 * head). Errors (MerkleProofError): unknown_event, event_not_sealed (no leaf yet or its batch is
 * still open), unknown_batch, batch_before_event (that head's tree does not contain the event).
 * Cost: reads every leaf hash below the head's tree size (see loadLeafHashes).
 */
export async function loadInclusionProof(
  sql: SqlExecutor,
  eventId: string,
  batchId?: bigint | number | string,
): Promise<InclusionProofDocument> {
  const { rows } = await sql.query<{ merkle_index: string | null; batch_id: string | null; known: boolean }>(
    `SELECT l.merkle_index::text AS merkle_index, e.event_id IS NOT NULL AS known,
            CASE WHEN ${sealedLeafSql('l')} THEN l.batch_id::text END AS batch_id
       FROM (SELECT $1::uuid AS event_id) asked
       LEFT JOIN events e ON e.event_id = asked.event_id
       LEFT JOIN merkle_leaves l ON l.global_position = e.global_position`,
    [eventId],
  );
  const found = rows[0];
  if (!found.known) throw new MerkleProofError('unknown_event', `event ${eventId} is not in the event log`, { eventId });
  if (found.merkle_index === null || found.batch_id === null) {
    const where = found.merkle_index === null ? 'has no merkle leaf yet' : `(merkle index ${found.merkle_index}) is in the open batch`;
    throw new MerkleProofError('event_not_sealed', `event ${eventId} ${where}: it is not sealed yet, retry after the next seal`, {
      eventId, merkleIndex: found.merkle_index === null ? undefined : Number(found.merkle_index),
    });
  }
  const merkleIndex = Number(found.merkle_index);

  const head = batchId === undefined ? await loadLatestHead(sql) : await loadHead(sql, batchId);
  if (head === null) throw new MerkleProofError('unknown_batch', `merkle batch ${String(batchId ?? 'latest')} not found`, { batchId: batchId?.toString() });
  if (head.head.treeSize <= merkleIndex) {
    throw new MerkleProofError(
      'batch_before_event',
      `batch ${head.head.batchId} (tree size ${head.head.treeSize}) precedes event ${eventId}, sealed in batch ${found.batch_id} at merkle index ${merkleIndex}`,
      { eventId, batchId: head.head.batchId, merkleIndex },
    );
  }

  const [row] = await loadLeafEvents(sql, merkleIndex, merkleIndex);
  const hashes = await loadLeafHashes(sql, head.head.treeSize);
  return {
    leaf: row.event_id === null ? null : leafInputOf(row),
    leafHash: row.leaf_hash,
    merkleIndex,
    eventBatchId: found.batch_id,
    head,
    proof: inclusionProof(hashes, merkleIndex).map(toHex),
  };
}
