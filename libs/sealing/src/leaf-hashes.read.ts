import type { SqlExecutor } from '@caracal/event-store';
import { MerkleSealerStateError } from './merkle-sealer.processor.js';

/**
 * The stored leaf hashes [0, treeSize) in index order, to build proofs from. Proofs need subtree
 * hashes that span the whole log and only leaves are stored, so this reads every leaf: O(treeSize)
 * rows and ~2 × 32 bytes per leaf in memory once the tree is built (1,000,000 leaves ≈ 64 MB).
 */
export async function loadLeafHashes(sql: SqlExecutor, treeSize: number): Promise<Buffer[]> {
  const { rows } = await sql.query<{ leaf_hash: Buffer | Uint8Array }>(
    'SELECT leaf_hash FROM merkle_leaves WHERE merkle_index < $1 ORDER BY merkle_index',
    [String(treeSize)],
  );
  if (rows.length !== treeSize) throw new MerkleSealerStateError(`merkle_leaves holds ${rows.length} of the ${treeSize} leaves a proof needs`);
  return rows.map((row) => Buffer.from(row.leaf_hash));
}
