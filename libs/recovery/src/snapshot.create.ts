import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SqlClient, SqlExecutor } from '@caracal/event-store';
import { loadCheckpoint, quoteTableName, type Processor } from '@caracal/processing';
import { snapshotChecksum, type ChunkDigest } from './snapshot-checksum.js';
import { SNAPSHOT_FORMAT, type SnapshotCheckpoint, type SnapshotManifest, type SnapshotSummary } from './snapshot-manifest.js';
import { pruneSnapshots, readSnapshotSummary } from './snapshot.store.js';

/** Table pages per chunk: 512 KiB of heap, about 1 MB of JSON lines for the ledger's rows. */
const CHUNK_BLOCKS = 64;

/** How the gateway writes snapshots (CARACAL_SNAPSHOT_KEEP, CARACAL_SNAPSHOT_BUSY_PERCENT). */
export interface SnapshotSettings {
  /** Keep this many newest snapshots, deleting older ones after writing (0: keep all). */
  keep?: number;
  /**
   * The share of its run (1-100) the snapshot keeps its database connection busy: after each
   * chunk it pauses so that the chunk's time is this percentage of the chunk and the pause.
   * The snapshot then takes longer and leaves the cores to admissions (docs/benchmarks.md).
   */
  busyPercent?: number;
}

export interface CreateSnapshotOptions extends SnapshotSettings {
  tag?: string | null;
}

/**
 * `snapshot create`: every given processor's read-model tables and checkpoint as of one
 * snapshot-isolated instant, so each table is exactly its processor's state at that processor's
 * checkpoint. The read takes no lock that a writer waits for: admissions and the processors
 * carry on meanwhile.
 *
 * PostgreSQL does the work (format 2, docs/recovery.md): for each range of CHUNK_BLOCKS pages
 * of a table, one `INSERT … SELECT string_agg(row_to_json(t)::text, E'\n')` stores the rows as
 * JSON lines in a chunk, which the database compresses, and answers the chunk's SHA-256. The
 * rows never reach this process, which on the embedded profile and through the admin API is
 * the gateway: its thread stays free for admissions.
 *
 * On PostgreSQL a read-only transaction holds the instant (`pg_export_snapshot`) and each chunk
 * is written by a short transaction of its own that adopts it (`SET TRANSACTION SNAPSHOT`). A
 * transaction that writes gets a transaction id, and the processors read the log only up to the
 * oldest running one (docs/processing.md): one long writing transaction would stall them for the
 * whole snapshot. PGlite has one connection, so there the snapshot is one transaction.
 * A snapshot being written has an empty checksum and is not listed; a failed one is deleted.
 */
export async function createSnapshot(
  client: SqlClient,
  processors: readonly Processor[],
  options: CreateSnapshotOptions = {},
): Promise<SnapshotSummary> {
  const snapshotId = randomUUID();
  // Written first, with an empty checksum: the chunks' foreign key needs it visible to the instant.
  const begin = (writer: SqlExecutor) =>
    writer.query(
      `INSERT INTO read_model_snapshots (snapshot_id, tag, manifest, compressed_bytes, uncompressed_bytes, sha256)
       VALUES ($1, $2, '{}'::jsonb, 0, 0, '')`,
      [snapshotId, options.tag ?? null],
    );
  const write = async (reader: SqlExecutor, atInstant: AtInstant, writer: SqlExecutor) => {
    // The first statement takes the transaction's snapshot: checkpoints and rows are of one instant.
    const checkpoints = await readCheckpoints(reader, processors);
    const chunks: ChunkDigest[] = [];
    const tables: SnapshotManifest['tables'] = [];
    for (const table of [...new Set(processors.flatMap((processor) => processor.readModelTables))]) {
      tables.push({ table, rows: await writeTable(reader, atInstant, snapshotId, table, chunks, options.busyPercent ?? 100) });
    }
    const anchorPosition = checkpoints.reduce((max, c) => (BigInt(c.globalPosition) > max ? BigInt(c.globalPosition) : max), 0n);
    const manifest: SnapshotManifest = {
      format: SNAPSHOT_FORMAT,
      processors: checkpoints,
      tables,
      anchor: await readAnchor(reader, anchorPosition),
      merkleHead: await readNewestHead(reader),
      eventsCovered: await countEventsUpTo(reader, anchorPosition),
    };
    await writer.query(
      `UPDATE read_model_snapshots s
          SET manifest = $2::jsonb, sha256 = $3, checksum_state = 'verified', checksum_checked_at = clock_timestamp(),
              compressed_bytes = c.stored, uncompressed_bytes = c.plain
         FROM (SELECT coalesce(sum(pg_column_size(data)), 0) AS stored, coalesce(sum(octet_length(data)), 0) AS plain
                 FROM read_model_snapshot_chunks WHERE snapshot_id = $1) c
        WHERE s.snapshot_id = $1`,
      [snapshotId, JSON.stringify(manifest), snapshotChecksum(manifest, chunks)],
    );
  };

  try {
    if (client.backend === 'postgres') {
      await begin(client);
      await client.transaction(async (reader) => {
        await reader.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const { rows } = await reader.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
        const instant = rows[0].id;
        if (!/^[0-9A-F-]+$/i.test(instant)) throw new Error(`unexpected snapshot id from pg_export_snapshot: ${instant}`);
        const atInstant: AtInstant = (fn) =>
          client.transaction(async (tx) => {
            await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
            await tx.query(`SET TRANSACTION SNAPSHOT '${instant}'`);
            return fn(tx);
          });
        await write(reader, atInstant, client);
      });
    } else {
      await client.transaction(async (tx) => {
        await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        await begin(tx);
        await write(tx, (fn) => fn(tx), tx);
      });
    }
  } catch (error) {
    await client.query('DELETE FROM read_model_snapshots WHERE snapshot_id = $1', [snapshotId]).catch(() => undefined);
    throw error;
  }
  if (options.keep !== undefined && options.keep > 0) await pruneSnapshots(client, options.keep);
  return readSnapshotSummary(client, snapshotId);
}

/** Runs `fn` in a transaction that sees the snapshot's instant. */
type AtInstant = <T>(fn: (tx: SqlExecutor) => Promise<T>) => Promise<T>;

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

/**
 * Writes one table's rows as chunks, a range of pages at a time (a TID range scan reads only
 * those pages); returns its row count. Every row this transaction sees was committed before it
 * began, so it lies within the pages the table had by then: the size read now covers them all.
 */
async function writeTable(
  reader: SqlExecutor,
  atInstant: AtInstant,
  snapshotId: string,
  table: string,
  chunks: ChunkDigest[],
  busyPercent: number,
): Promise<number> {
  const quoted = quoteTableName(table);
  const { rows: size } = await reader.query<{ blocks: string }>(
    `SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::bigint)::text AS blocks`,
    [quoted],
  );
  const blocks = Number(size[0].blocks);
  let count = 0;
  for (let first = 0; first < blocks; first += CHUNK_BLOCKS) {
    const chunkNo = chunks.length;
    const started = performance.now();
    const { rows } = await atInstant((tx) => tx.query<{ row_count: number; sha256: string }>(
      `INSERT INTO read_model_snapshot_chunks (snapshot_id, chunk_no, table_name, row_count, data)
       SELECT $1, $2, $3, count(*), convert_to(string_agg(row_to_json(t)::text, E'\\n'), 'UTF8')
         FROM ${quoted} t WHERE t.ctid >= $4::tid AND t.ctid < $5::tid
       HAVING count(*) > 0
       RETURNING row_count, encode(sha256(data), 'hex') AS sha256`,
      [snapshotId, chunkNo, table, `(${first},0)`, `(${first + CHUNK_BLOCKS},0)`],
    ));
    if (busyPercent < 100) await sleep(((performance.now() - started) * (100 - busyPercent)) / busyPercent);
    if (rows.length === 0) continue; // no visible row in these pages
    chunks.push({ chunkNo, table, rows: rows[0].row_count, sha256: rows[0].sha256 });
    count += rows[0].row_count;
  }
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
