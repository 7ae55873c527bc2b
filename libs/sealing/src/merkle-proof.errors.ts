export type MerkleProofFailure = 'unknown_event' | 'event_not_sealed' | 'unknown_batch' | 'batch_before_event' | 'batches_out_of_order';

/**
 * A proof that cannot be built for what was asked: the event or batch does not exist, the event
 * is not in a sealed batch yet, or the head asked for is older than what it should prove.
 */
export class MerkleProofError extends Error {
  constructor(
    readonly reason: MerkleProofFailure,
    message: string,
    readonly data: { eventId?: string; batchId?: string; merkleIndex?: number } = {},
  ) {
    super(message);
    this.name = 'MerkleProofError';
  }
}
