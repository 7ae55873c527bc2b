import type { SqlExecutor } from '@caracal/event-store';
import { bucketFromRow, bucketStartMs, type SpendingBucket, type SpendingBucketRow } from './spending-bucket.js';

// Reads of the folded spending buckets, for the Redis counters (which SET these folds).

/**
 * The current folds of every (agent, currency, bucket) these charges count in. The keys are
 * worked out here, each once (a batch's charges mostly share a few), and each is looked up by
 * the table's key: matched against a key set computed in SQL, PostgreSQL expected ~100 keys a
 * charge and scanned the whole table, whose rows grow with every agent's every 15 minutes.
 */
export async function bucketsOfCharges(
  sql: SqlExecutor,
  charges: readonly { agentPath: readonly string[]; currency: string; reservedAt: string }[],
): Promise<SpendingBucket[]> {
  const keys = new Map<string, { agentId: string; currency: string; bucketStart: string }>();
  for (const charge of charges) {
    const bucketStart = new Date(bucketStartMs(Date.parse(charge.reservedAt))).toISOString();
    for (const agentId of charge.agentPath) keys.set(`${agentId}\u0000${charge.currency}\u0000${bucketStart}`, { agentId, currency: charge.currency, bucketStart });
  }
  const wanted = [...keys.values()];
  const { rows } = await sql.query<SpendingBucketRow>(
    `SELECT b.agent_id, b.currency, b.bucket_start, b.amount_nanos::text AS amount_nanos, b.charges::text AS charges
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(agent_id, currency, bucket_start)
       JOIN spending_buckets b ON b.agent_id = k.agent_id AND b.currency = k.currency AND b.bucket_start = k.bucket_start`,
    [wanted.map((key) => key.agentId), wanted.map((key) => key.currency), wanted.map((key) => key.bucketStart)],
  );
  return rows.map(bucketFromRow);
}

/** Every folded bucket from `since` on (all when null): what a Redis reseed writes. */
export async function allSpendingBuckets(sql: SqlExecutor, since: Date | null = null): Promise<SpendingBucket[]> {
  const { rows } = await sql.query<SpendingBucketRow>(
    `SELECT agent_id, currency, bucket_start, amount_nanos::text AS amount_nanos, charges::text AS charges
       FROM spending_buckets WHERE $1::timestamptz IS NULL OR bucket_start >= $1::timestamptz
      ORDER BY agent_id, currency, bucket_start`,
    [since === null ? null : since.toISOString()],
  );
  return rows.map(bucketFromRow);
}
