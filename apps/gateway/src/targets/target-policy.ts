import { Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import { describeAddress, judgeAddress, type AddressVerdict } from './address-policy.js';
import type { AllowlistEntryRow } from '../agents/agent-access.reader.js';
import { AllowlistGuard } from './allowlist-guard.js';
import type { NonPublicAddressError } from './guarded-lookup.js';
import type { ProxyTarget } from './proxy-target.js';
import { TargetRefusal } from './target-refusal.js';

/**
 * How the address policy applies to a target that passed the allowlist:
 * - `exempt`: a configured upstream, or an entry names the host explicitly; no address policy;
 * - `literal`: the host is an IP address, judged here;
 * - `at_connect`: a host name; the public-only pool judges its DNS answers when it connects.
 */
export type AddressCheck =
  | { method: 'exempt'; reason: 'configured_upstream' | 'entry_names_host' }
  | { method: 'literal'; verdict: AddressVerdict }
  | { method: 'at_connect'; hostname: string };

export interface TargetVerdict {
  /** The allowlist entry that let the URL through. */
  entryId: string;
  address: AddressCheck;
}

/**
 * The gateway's verdict on a target URL once its agent is known, in the proxy's order: the
 * allowlist, then the address policy on an IP literal. The proxy and `allowlist test` both ask
 * it (with targetFromUrl before and publicOnlyLookup after), so they cannot disagree. Throws
 * TargetRefusal naming the rule that refused.
 */
@Injectable()
export class TargetPolicy {
  constructor(private readonly allowlist: AllowlistGuard) {}

  judge(agentId: string, entries: readonly AllowlistEntryRow[], target: ProxyTarget): TargetVerdict {
    const { entryId, namesHostExplicitly } = this.allowlist.check(agentId, entries, target.resourceUrl);
    if (target.upstream) return { entryId, address: { method: 'exempt', reason: 'configured_upstream' } };
    if (namesHostExplicitly) return { entryId, address: { method: 'exempt', reason: 'entry_names_host' } };
    const url = new URL(target.forwardUrl);
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(hostname) === 0) return { entryId, address: { method: 'at_connect', hostname } };
    const verdict = judgeAddress(hostname);
    if (!verdict.allowed) {
      throw addressRefusal(target, entryId, verdict, `${describeAddress(verdict)} is not a globally reachable address; only an allowlist entry naming this host explicitly (a glob like "${url.protocol}//${url.host}/*") permits it`);
    }
    return { entryId, address: { method: 'literal', verdict } };
  }
}

/** A host name whose DNS answer publicOnlyLookup refused (when the proxy connects, or in `allowlist test`). */
export function resolvedAddressRefusal(target: ProxyTarget, entryId: string, refused: NonPublicAddressError): TargetRefusal {
  return addressRefusal(target, entryId, refused.verdict, `${refused.hostname} resolves to ${describeAddress(refused.verdict)}, which is not a globally reachable address; only an allowlist entry naming this host explicitly permits it`);
}

function addressRefusal(target: ProxyTarget, entryId: string, verdict: AddressVerdict, message: string): TargetRefusal {
  const decidedBy = verdict.embedded.find((embedded) => !embedded.allowed) ?? verdict;
  return new TargetRefusal('address_policy', target.resourceUrl, 403, 'resource_not_allowed', message, {
    resource: target.resourceUrl,
    address: verdict.address,
    address_block: decidedBy.block?.block ?? null,
    address_block_name: decidedBy.block?.name ?? null,
  }, verdict, entryId);
}
