/**
 * Spending is folded into 15-minute UTC buckets. Every IANA zone's offset in use today is a
 * multiple of 15 minutes (+05:30 Kolkata, +05:45 Kathmandu, +12:45 Chatham), and so are DST
 * shifts, so every calendar window (hour, day, week, month) in any zone starts and ends on a
 * bucket boundary and its spend is an exact sum of whole buckets.
 */
export const BUCKET_MS = 15 * 60_000;

/** The SQL expression of a timestamp's bucket start (date_bin: PostgreSQL 14+, PGlite). */
export const BUCKET_SQL = (column: string): string => `date_bin('15 minutes', ${column}, timestamptz '2000-01-01T00:00:00Z')`;

export function bucketStartMs(ms: number): number {
  return ms - (((ms % BUCKET_MS) + BUCKET_MS) % BUCKET_MS);
}

export function isBucketAligned(ms: number): boolean {
  return bucketStartMs(ms) === ms;
}

/** One folded bucket: the charged spend of an agent's subtree in one currency and 15 minutes. */
export interface SpendingBucket {
  agentId: string;
  currency: string;
  bucketStart: Date;
  amountNanos: bigint;
  charges: bigint;
}

export interface SpendingBucketRow extends Record<string, unknown> {
  agent_id: string;
  currency: string;
  bucket_start: Date | string;
  amount_nanos: string;
  charges: string;
}

export function bucketFromRow(row: SpendingBucketRow): SpendingBucket {
  return {
    agentId: row.agent_id,
    currency: row.currency,
    bucketStart: new Date(row.bucket_start),
    amountNanos: BigInt(row.amount_nanos),
    charges: BigInt(row.charges),
  };
}
