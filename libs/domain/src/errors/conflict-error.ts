import { DomainError } from './domain-error.js';

/**
 * The command is well formed but the current state does not allow it: a duplicate, or the wrong
 * state (suspending a suspended agent). `data` names what it collided with, e.g. the existing id.
 */
export class ConflictError extends DomainError {
  readonly code = 'conflict';

  constructor(
    message: string,
    readonly data: Readonly<Record<string, string | number | boolean | null>> = {},
  ) {
    super(message);
  }
}
