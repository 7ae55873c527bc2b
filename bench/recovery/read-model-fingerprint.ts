import type { SqlExecutor } from '@caracal/event-store';
import { quoteTableName } from '@caracal/processing';

/**
 * Rows and an order-independent digest of every row of each table: two read models with the same
 * fingerprint hold the same rows (the recovery path must end where a replay from zero ends).
 */
export async function readModelFingerprint(executor: SqlExecutor, tables: readonly string[]): Promise<Record<string, string>> {
  const fingerprint: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await executor.query<{ n: string; digest: string | null }>(
      `SELECT count(*)::text AS n, md5(string_agg(row_md5, '' ORDER BY row_md5)) AS digest
         FROM (SELECT md5(t::text) AS row_md5 FROM ${quoteTableName(table)} t) r`,
    );
    fingerprint[table] = `${rows[0].n} rows, ${rows[0].digest ?? 'empty'}`;
  }
  return fingerprint;
}
