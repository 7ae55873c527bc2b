/**
 * A request the gateway refuses before anything is forwarded. Carries the HTTP status, the
 * stable error code agents branch on, and the extra fields an operator needs (policy, remaining…).
 */
export class ProxyDenial extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ProxyDenial';
  }
}
