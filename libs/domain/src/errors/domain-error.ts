/**
 * A decision the domain refuses, for a reason the caller can act on. Decide functions return it
 * (see Decision) rather than throw it; the API maps `code` to an HTTP status.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
