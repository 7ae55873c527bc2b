import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { judgeAddress, type AddressVerdict } from './address-policy.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** The error a refused resolution carries, so the proxy can answer 403 instead of 502. */
export class NonPublicAddressError extends Error {
  readonly code = 'ECARACAL_NON_PUBLIC';
  constructor(
    readonly hostname: string,
    readonly verdict: AddressVerdict,
  ) {
    super(`${hostname} resolves to non-public address ${verdict.address}`);
    this.name = 'NonPublicAddressError';
  }
}

/**
 * A DNS lookup for outbound sockets that refuses non-public answers. Checking inside the
 * socket's own lookup (not in a separate resolution before it) closes the DNS-rebinding gap:
 * the address checked is the address connected to. `allowlist test` calls it too.
 */
export function publicOnlyLookup(hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const refused = list.map((entry) => judgeAddress(entry.address)).find((verdict) => !verdict.allowed);
    if (refused) return callback(new NonPublicAddressError(hostname, refused), []);
    if ((options as LookupAllOptions).all) return callback(null, list);
    return callback(null, list[0].address, list[0].family);
  });
}

/** The refusal inside an error undici raised for a connection (it may wrap it as the cause). */
export function nonPublicAddressError(error: unknown): NonPublicAddressError | null {
  if (error instanceof NonPublicAddressError) return error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof NonPublicAddressError ? cause : null;
}
