// Ledger (docs/api.md "Ledger").

import type { Page } from './page.js';

export interface LedgerEntry {
  entryId: string;
  eventId: string;
  /** A 64-bit position as a decimal string. */
  globalPosition: string;
  agentId: string;
  agentPath: string[];
  reservationId: string | null;
  resource: string | null;
  model: string | null;
  usage: Record<string, number | null> | null;
  amount: string;
  /** The hold taken before forwarding. Absent from older gateways. */
  held?: string;
  /**
   * What the charge went past the hold ("0.00" when it did not): the upstream reported more than
   * max_tokens allowed. Absent from older gateways.
   */
  overage?: string;
  currency: string;
  pricebookVersion: string | null;
  kind: 'settled' | 'expired';
  occurredAt: string;
  recordedAt: string;
}

export interface CurrencyTotal {
  currency: string;
  amount: string;
  entries: number;
}

/** One page of entries; `totals` cover the whole time range, not only the page. */
export interface LedgerPage extends Page<LedgerEntry> {
  totals: CurrencyTotal[];
}

export interface PolicyUsage {
  policyId: string;
  agentId: string;
  timeWindow: string;
  windowType: string;
  timezone: string;
  currency: string;
  limit: string;
  spent: string;
  held: string;
  remaining: string;
  /** Null for `total` windows. */
  windowStart: string | null;
  windowEnd: string | null;
}

/** GET /v1/ledger/usage: the agent's spending in each policy window of one length, now. */
export interface LedgerUsage {
  agentId: string;
  at: string;
  items: PolicyUsage[];
}
