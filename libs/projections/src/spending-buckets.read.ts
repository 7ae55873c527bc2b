import type { SqlExecutor } from '@caracal/event-store';
import { BUCKET_SQL, bucketFromRow, type SpendingBucket, type SpendingBucketRow } from './spending-bucket.js';

// Reads of the folded spending buckets, for the Redis counters (which SET these folds).

/** The current folds of every (agent, currency, bucket) these charges count in. */
export async function bucketsOfCharges(
  sql: SqlExecutor,
  charges: readonly { agentPath: readonly string[]; currency: string; reservedAt: string }[],
): Promise<SpendingBucket[]> {
  const { rows } = await sql.query<SpendingBucketRow>(
    `SELECT b.agent_id, b.currency, b.bucket_start, b.amount_nanos::text AS amount_nanos, b.charges::text AS charges
       FROM spending_buckets b
      WHERE (b.agent_id, b.currency, b.bucket_start) IN (
              SELECT a.agent_id, c.currency, ${BUCKET_SQL('c.reserved_at')}
                FROM unnest($1::jsonb[], $2::text[], $3::timestamptz[]) AS c(agent_path, currency, reserved_at)
               CROSS JOIN LATERAL jsonb_array_elements_text(c.agent_path) AS a(agent_id))`,
    [charges.map((c) => JSON.stringify(c.agentPath)), charges.map((c) => c.currency), charges.map((c) => c.reservedAt)],
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
