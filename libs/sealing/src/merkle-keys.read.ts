import type { SqlExecutor } from '@caracal/event-store';
import { recordedAtTextSql } from './merkle-heads.read.js';

/** A registered signing key's public half (merkle_keys); private keys are never stored. */
export interface MerkleKeyRecord {
  keyId: string;
  publicKeyPem: string;
  /** Canonical UTC text with microseconds. */
  createdAt: string;
  /** Set when a newer key signed its first head; null for the current key. */
  retiredAt: string | null;
}

/** Every registered key, oldest first (retired ones included: old heads verify with them). */
export async function loadKeyRecords(sql: SqlExecutor): Promise<MerkleKeyRecord[]> {
  const { rows } = await sql.query<{ key_id: string; public_key_pem: string; created_at: string; retired_at: string | null }>(
    `SELECT key_id, public_key_pem, ${recordedAtTextSql('created_at')} AS created_at,
            CASE WHEN retired_at IS NULL THEN NULL ELSE ${recordedAtTextSql('retired_at')} END AS retired_at
       FROM merkle_keys ORDER BY created_at, key_id`,
  );
  return rows.map((row) => ({ keyId: row.key_id, publicKeyPem: row.public_key_pem, createdAt: row.created_at, retiredAt: row.retired_at }));
}
