import { decodeCursor } from './page-cursor.js';

/**
 * Builds a WHERE clause from optional equality filters plus the keyset cursor, with numbered
 * parameters, so each read model writes only its column names.
 */
export function buildListQuery(
  table: string,
  idColumn: string,
  filters: Record<string, unknown>,
  cursor: string | undefined,
  limit: number,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const where: string[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    params.push(after.createdAt, after.id);
    where.push(`(created_at, ${idColumn}) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql: `SELECT * FROM ${table} ${clause} ORDER BY created_at, ${idColumn} LIMIT $${params.length}`,
    params,
  };
}
