import type { AddressVerdict } from './address-policy.js';
import { ProxyDenial } from '../http/proxy-denial.js';

/** The rule that refused a target URL, in the proxy's answer (`refused_by`) and in `allowlist test`. */
export type RefusedBy = 'url_length' | 'allowlist' | 'address_policy';

/**
 * A refusal of the target URL itself (not of the agent or its budget). The proxy answers it like
 * any denial; `allowlist test` reports the same refusal, so the two cannot disagree.
 */
export class TargetRefusal extends ProxyDenial {
  constructor(
    readonly refusedBy: RefusedBy,
    /** The normalised URL that was refused. */
    readonly resourceUrl: string,
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown>,
    /** For the address policy: the refused address and the block that decided. */
    readonly address: AddressVerdict | null = null,
    /** For the address policy: the allowlist entry the URL had passed. */
    readonly entryId: string | null = null,
  ) {
    super(status, code, message, { refused_by: refusedBy, ...details });
    this.name = 'TargetRefusal';
  }
}
