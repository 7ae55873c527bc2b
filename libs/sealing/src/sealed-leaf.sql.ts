/**
 * Whether a merkle_leaves row (alias `l`) is in a sealed batch: every leaf is stored with its
 * batch id (migration 020), and the batches below merkle_state.next_batch_id are the ones the
 * sealer has closed. NULL (not true) for a missing leaf or a log the sealer has not started, so
 * `(…) IS NOT TRUE` reads "not sealed". Whether the batch's head is still there is
 * verification's question, not this one's.
 */
export function sealedLeafSql(l = 'l'): string {
  return `${l}.batch_id < (SELECT next_batch_id FROM merkle_state WHERE id)`;
}
