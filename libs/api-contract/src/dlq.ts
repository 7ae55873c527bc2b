// The dead-letter queue (docs/api.md "Operations"): events a processor parked after failing.

export interface DlqEntry {
  id: string;
  processor: string;
  version: number;
  eventId: string;
  /** A 64-bit position as a decimal string. */
  globalPosition: string;
  streamId: string;
  eventType: string;
  error: string;
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
  status: string;
}

/** GET /v1/dlq: the entries asked for, and how many are parked in all. */
export interface DlqList {
  items: DlqEntry[];
  size: number;
}

export interface DlqRetryOutcome {
  processor: string;
  version: number;
  eventId: string;
  outcome: 'projected' | 'failed';
  error: string | null;
}

export interface DlqDiscarded {
  discarded: number;
}
