/** Why a sealed batch (or a time range) does not verify. See docs/sealing.md "Verification". */
export type BatchFailureReason =
  | 'leaf_mismatch'
  | 'event_missing'
  | 'unsealed_event_in_batch_range'
  | 'root_mismatch'
  | 'bad_signature'
  | 'unknown_key'
  | 'chain_broken'
  | 'count_mismatch'
  | 'head_missing';

export type RangeFailureReason = BatchFailureReason | 'batch_missing' | 'uncovered_event' | 'event_refused';

/** One finding: names the batch, the merkle index and the event where it can, and what differs. */
export interface VerificationFailure<R extends string = BatchFailureReason> {
  reason: R;
  batchId?: string;
  merkleIndex?: number;
  eventId?: string;
  globalPosition?: string;
  expected?: string;
  actual?: string;
  detail?: string;
}

export interface BatchVerification {
  batchId: string;
  ok: boolean;
  /** Leaves re-derived from the events table (0 when the head is missing). */
  leavesChecked: number;
  failures: VerificationFailure[];
}

/** An event of the range that is not in a sealed batch yet (an open batch or not yet indexed): not a failure. */
export interface UnsealedEvent {
  eventId: string;
  globalPosition: string;
  recordedAt: string;
  /** Its leaf index when the sealer has indexed it (open batch), else null. */
  merkleIndex: number | null;
  /** Set (export bundles) when the sealer refused the event: why (merkle_refused_events). */
  refused?: string;
}

export interface RangeVerification {
  start: string;
  end: string;
  ok: boolean;
  batches: BatchVerification[];
  /** Failures of the range itself (missing batches, events no batch covers). */
  failures: VerificationFailure<RangeFailureReason>[];
  /** The first events not sealed yet, by global position (at most the list limit, 100 by default); totals.unsealedEvents counts them all. */
  unsealed: UnsealedEvent[];
  /** True when `unsealed` or the uncovered_event failures were cut at the list limit. */
  truncated: boolean;
  /** Events of the range no sealed batch covers (uncovered_event failures, listed or not). */
  uncoveredEvents: number;
  /** Events of the range the sealer refused (event_refused failures, listed or not): forged or altered before sealing. */
  refusedEvents: number;
  totals: {
    batches: number;
    batchesOk: number;
    batchesFailed: number;
    missingBatches: number;
    /** Events of the events table whose recorded_at is in [start, end]. */
    events: number;
    sealedEvents: number;
    unsealedEvents: number;
    failures: number;
  };
}
