/**
 * An evolve function met an event it cannot apply: a type it does not know (a newer writer, a
 * missing upcaster) or an event that does not fit the state (a corrupted or mis-routed stream).
 * Not a DomainError: it is a deployment or data fault, not something the caller can fix.
 */
export class UnexpectedEventError extends Error {
  constructor(
    readonly aggregate: string,
    readonly eventType: string,
    readonly reason: string,
  ) {
    super(`${aggregate}: cannot apply ${eventType}: ${reason}`);
    this.name = 'UnexpectedEventError';
  }
}
