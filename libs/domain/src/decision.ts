import type { DomainError } from './errors/domain-error.js';

/** What a decide function returns: the events to append (possibly none), or why it refused. */
export type Decision<E> = E[] | DomainError;
