import type { SqlExecutor } from '@caracal/event-store';
import type { SignedTreeHead, TreeHead } from '@caracal/merkle';

/**
 * The one way to read an event's recorded_at for a leaf: as text, in UTC, with microseconds.
 * Reading it through pg as a JS Date truncates it to milliseconds and the leaf hash would differ
 * whenever the microseconds are not 000. The sealer and every verifier use this expression.
 */
export function recordedAtTextSql(column = 'recorded_at'): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** recordedAtTextSql() for the events table's own column. */
export const RECORDED_AT_TEXT_SQL = recordedAtTextSql();

export interface StoredHead extends SignedTreeHead {
  /** headHash(head) as stored when sealed. */
  headHash: string;
}

interface HeadRow extends Record<string, unknown> {
  batch_id: string;
  tree_size: string;
  root_hash: string;
  first_index: string;
  last_index: string;
  first_recorded_at: string;
  last_recorded_at: string;
  previous_head_hash: string | null;
  timestamp: string;
  key_id: string;
  compact_range: unknown;
  signature: string;
  head_hash: string;
}

export const HEAD_COLUMNS = `batch_id::text AS batch_id, tree_size::text AS tree_size, root_hash, first_index::text AS first_index,
  last_index::text AS last_index, first_recorded_at, last_recorded_at, previous_head_hash, timestamp, key_id,
  compact_range::text AS compact_range, signature, head_hash`;

/** A merkle_heads row (selected with HEAD_COLUMNS) as the signed head it stores. */
export function headFromRow(row: HeadRow): StoredHead {
  const range = (typeof row.compact_range === 'string' ? JSON.parse(row.compact_range) : row.compact_range) as TreeHead['compactRange'];
  const head: TreeHead = {
    batchId: row.batch_id,
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    firstIndex: Number(row.first_index),
    lastIndex: Number(row.last_index),
    firstRecordedAt: row.first_recorded_at,
    lastRecordedAt: row.last_recorded_at,
    previousHeadHash: row.previous_head_hash,
    timestamp: row.timestamp,
    keyId: row.key_id,
    compactRange: { size: range.size, hashes: [...range.hashes] },
  };
  return { head, signature: row.signature, headHash: row.head_hash };
}

/** The latest sealed head, or null before the first seal. */
export async function loadLatestHead(executor: SqlExecutor): Promise<StoredHead | null> {
  const { rows } = await executor.query<HeadRow>(`SELECT ${HEAD_COLUMNS} FROM merkle_heads h ORDER BY h.batch_id DESC LIMIT 1`);
  return rows.length === 0 ? null : headFromRow(rows[0]);
}

export async function loadHead(executor: SqlExecutor, batchId: bigint | number | string): Promise<StoredHead | null> {
  const { rows } = await executor.query<HeadRow>(`SELECT ${HEAD_COLUMNS} FROM merkle_heads h WHERE h.batch_id = $1`, [String(batchId)]);
  return rows.length === 0 ? null : headFromRow(rows[0]);
}

/** Heads in batch order, from a batch id on (default: all). */
export async function loadHeads(executor: SqlExecutor, options: { fromBatchId?: bigint | number; limit?: number } = {}): Promise<StoredHead[]> {
  const { rows } = await executor.query<HeadRow>(
    `SELECT ${HEAD_COLUMNS} FROM merkle_heads h WHERE h.batch_id >= $1 ORDER BY h.batch_id LIMIT $2`,
    [String(options.fromBatchId ?? 1), options.limit ?? null],
  );
  return rows.map(headFromRow);
}

/** Every registered public key (retired ones included): key id → SPKI PEM, for verifyTreeHeadSignature. */
export async function loadPublicKeys(executor: SqlExecutor): Promise<Map<string, string>> {
  const { rows } = await executor.query<{ key_id: string; public_key_pem: string }>('SELECT key_id, public_key_pem FROM merkle_keys ORDER BY created_at');
  return new Map(rows.map((row) => [row.key_id, row.public_key_pem]));
}
