import { DomainError } from './domain-error.js';

/** The command names something that does not exist (or no longer exists). */
export class NotFoundError extends DomainError {
  readonly code = 'not_found';

  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}
