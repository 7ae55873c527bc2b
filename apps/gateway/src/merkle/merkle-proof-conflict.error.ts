import { DomainError } from '@caracal/domain';

/**
 * A proof asked for at a state that does not have it (the event is not sealed yet, the head
 * precedes the event): 409 with `error` = the reason, e.g. `event_not_sealed`.
 */
export class MerkleProofConflictError extends DomainError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
