import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { SqlClient, SqlExecutor } from '../../event-store/src/index.js';
import { loadCheckpoint, quoteTableName, type Processor } from '../../processing/src/index.js';
import { SnapshotChunks } from './snapshot-chunks.js';
import type { SnapshotCheckpoint, SnapshotManifest, SnapshotSummary } from './snapshot-manifest.js';
import { pruneSnapshots, readSnapshotSummary } from './snapshot.store.js';

/** Rows fetched from a table's cursor per round trip. */
const FETCH_ROWS = 2000;

export interface CreateSnapshotOptions {
  tag?: string | null;
  /** Keep this many newest snapshots, deleting older ones after writing (0: keep all). */
  keep?: number;
}

/**
 * `snapshot create`: every given processor's read-model tables and checkpoint, read in one
 * REPEATABLE READ, READ ONLY transaction, so each table is exactly its processor's state at that
 * processor's checkpoint. The read takes no lock that a writer waits for: admissions and the
 * processors carry on meanwhile. The rows are written afterwards, in a second transaction.
 *
 * Stored format (gzip): one line `#table <name>` per table, followed by its rows as
 * `row_to_json` lines, which `json_populate_recordset` turns back into the same row; last, one
 * line `#manifest <json>`.
 */
export async function createSnapshot(
  client: SqlClient,
  processors: readonly Processor[],
  options: CreateSnapshotOptions = {},
): Promise<SnapshotSummary> {
  const gzip = createGzip();
  const chunks = new SnapshotChunks();
  gzip.on('data', (data: Buffer) => chunks.add(data));
  const gzipped = once(gzip, 'end');
  let uncompressedBytes = 0;
  const write = async (text: string): Promise<void> => {
    uncompressedBytes += Buffer.byteLength(text);
    if (!gzip.write(text)) await once(gzip, 'drain');
  };

  const manifest = await client.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const checkpoints = await readCheckpoints(tx, processors);
    const tables: SnapshotManifest['tables'] = [];
    for (const table of [...new Set(processors.flatMap((processor) => processor.readModelTables))]) {
      tables.push({ table, rows: await writeTable(tx, table, write) });
    }
    const anchorPosition = checkpoints.reduce((max, c) => (BigInt(c.globalPosition) > max ? BigInt(c.globalPosition) : max), 0n);
    return {
      format: 1,
      processors: checkpoints,
      tables,
      anchor: await readAnchor(tx, anchorPosition),
      merkleHead: await readNewestHead(tx),
      eventsCovered: await countEventsUpTo(tx, anchorPosition),
    } satisfies SnapshotManifest;
  });
  // The manifest goes into the checksummed bytes too: editing the listed row is then detected.
  await write(`#manifest ${JSON.stringify(manifest)}\n`);
  gzip.end();
  await gzipped;
  const sha256 = chunks.finish();

  const snapshotId = randomUUID();
  await client.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO read_model_snapshots (snapshot_id, tag, manifest, compressed_bytes, uncompressed_bytes, sha256)
       VALUES ($1, $2, $3::jsonb, $4::bigint, $5::bigint, $6)`,
      [snapshotId, options.tag ?? null, JSON.stringify(manifest), chunks.totalBytes, uncompressedBytes, sha256],
    );
    for (const [chunkNo, data] of chunks.chunks.entries()) {
      await tx.query('INSERT INTO read_model_snapshot_chunks (snapshot_id, chunk_no, data) VALUES ($1, $2, $3)', [snapshotId, chunkNo, data]);
    }
  });
  if (options.keep !== undefined && options.keep > 0) await pruneSnapshots(client, options.keep);
  return readSnapshotSummary(client, snapshotId);
}

async function readCheckpoints(tx: SqlExecutor, processors: readonly Processor[]): Promise<SnapshotCheckpoint[]> {
  const checkpoints: SnapshotCheckpoint[] = [];
  for (const processor of processors) {
    const stored = await loadCheckpoint(tx, processor);
    checkpoints.push({
      name: processor.name,
      version: processor.version,
      transactionId: (stored?.checkpoint.transactionId ?? 0n).toString(),
      globalPosition: (stored?.checkpoint.globalPosition ?? 0n).toString(),
      eventsProcessed: (stored?.eventsProcessed ?? 0n).toString(),
    });
  }
  return checkpoints;
}

/** Streams one table through a cursor (memory stays at one page); returns its row count. */
async function writeTable(tx: SqlExecutor, table: string, write: (text: string) => Promise<void>): Promise<number> {
  await write(`#table ${table}\n`);
  await tx.query(`DECLARE snapshot_rows NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS row FROM ${quoteTableName(table)} t`);
  let count = 0;
  for (;;) {
    const { rows } = await tx.query<{ row: string }>(`FETCH ${FETCH_ROWS} FROM snapshot_rows`);
    if (rows.length === 0) break;
    count += rows.length;
    await write(`${rows.map((r) => r.row).join('\n')}\n`);
  }
  await tx.query('CLOSE snapshot_rows');
  return count;
}

async function readAnchor(tx: SqlExecutor, position: bigint): Promise<SnapshotManifest['anchor']> {
  if (position === 0n) return null;
  const { rows } = await tx.query<{ event_id: string }>('SELECT event_id FROM events WHERE global_position = $1::bigint', [position.toString()]);
  return rows.length === 0 ? null : { globalPosition: position.toString(), eventId: rows[0].event_id };
}

async function readNewestHead(tx: SqlExecutor): Promise<SnapshotManifest['merkleHead']> {
  const { rows } = await tx.query<{ batch_id: string; tree_size: string; head_hash: string }>(
    'SELECT batch_id::text AS batch_id, tree_size::text AS tree_size, head_hash FROM merkle_heads ORDER BY batch_id DESC LIMIT 1',
  );
  return rows.length === 0 ? null : { batchId: rows[0].batch_id, treeSize: Number(rows[0].tree_size), headHash: rows[0].head_hash };
}

async function countEventsUpTo(tx: SqlExecutor, position: bigint): Promise<string> {
  const { rows } = await tx.query<{ n: string }>('SELECT count(*)::text AS n FROM events WHERE global_position <= $1::bigint', [position.toString()]);
  return rows[0].n;
}
