// Allowlists (docs/api.md "Allowlists").

export const PATTERN_TYPES = ['regex', 'glob'] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];

export interface AllowlistEntry {
  entryId: string;
  agentId: string;
  pattern: string;
  patternType: PatternType;
  createdAt: string;
  removedAt: string | null;
}

export interface AddressVerdict {
  address: string;
  allowed: boolean;
  /** The most specific special-purpose block holding the address (null: ordinary public IPv4). */
  block: string | null;
  blockName: string | null;
  /** IPv4 addresses the address carries (mapped, NAT64, 6to4, Teredo), which decide for it. */
  embedded: AddressVerdict[];
}

/**
 * How the address policy applied: `literal` (the host is an IP address), `resolved` (the host's
 * DNS answers now; the proxy judges the answers it gets when it connects), `exempt` (an entry
 * names the host explicitly: no address policy), `unresolved` (no DNS answer: the proxy would
 * answer 502 upstream_unreachable).
 */
export interface AddressCheck {
  method: 'literal' | 'resolved' | 'exempt' | 'unresolved';
  addresses: AddressVerdict[];
}

/** POST /v1/allowlists/test: the proxy's own checks on a URL, in its order. */
export interface AllowlistTestResult {
  allowed: boolean;
  normalizedUrl: string;
  matchedEntry: AllowlistEntry | null;
  /** The rule that refused the URL; null when allowed. Absent from gateways older than these fields. */
  refusedBy?: 'url_length' | 'allowlist' | 'address_policy' | null;
  /** The proxy's error code for the refusal; null when allowed. */
  error?: string | null;
  /** Null when a rule before the address policy refused the URL. */
  addressCheck?: AddressCheck | null;
  message: string;
}
