import type { SqlClient, SqlExecutor } from '@caracal/event-store';
import { quoteTableName, type Processor } from '@caracal/processing';
import {
  ProcessorsRunningError,
  ReadModelsNotEmptyError,
  SnapshotChecksumError,
  SnapshotContentError,
  SnapshotFormatError,
  SnapshotFromAnotherLogError,
} from './recovery.errors.js';
import { snapshotChecksum, type ChunkDigest } from './snapshot-checksum.js';
import { SNAPSHOT_FORMAT, type SnapshotManifest, type SnapshotSummary } from './snapshot-manifest.js';
import { readChunkDigests, readSnapshotSummary, recordChecksumCheck } from './snapshot.store.js';

export interface RestoreResult {
  snapshot: SnapshotSummary;
  tables: { table: string; rows: number }[];
  checkpoints: SnapshotManifest['processors'];
}

/**
 * `snapshot restore`: loads a snapshot into empty read models (after `db reset --confirm`) and
 * puts each processor's checkpoint where the snapshot was taken, in one transaction; the
 * processors (or a replay) then continue from there. Refused, with nothing written, when the
 * bytes fail their checksum, when the snapshot belongs to another log, when a processor is
 * running, or when the read models are not empty.
 */
export async function restoreSnapshot(client: SqlClient, processors: readonly Processor[], snapshotId: string): Promise<RestoreResult> {
  const snapshot = await readSnapshotSummary(client, snapshotId);
  const { manifest } = snapshot;
  if (manifest.format !== SNAPSHOT_FORMAT) throw new SnapshotFormatError(snapshotId, manifest.format);
  const known = new Set(processors.flatMap((processor) => processor.readModelTables));
  const foreign = manifest.tables.filter(({ table }) => !known.has(table)).map(({ table }) => table);
  if (foreign.length > 0) throw new SnapshotContentError(snapshotId, `tables ${foreign.join(', ')} are not read models of these processors`);

  try {
    return await client.transaction(async (tx) => {
      // Locked until commit: the bytes checked are the bytes loaded.
      const chunks = await readChunkDigests(tx, snapshotId, true);
      const actual = snapshotChecksum(manifest, chunks);
      if (actual !== snapshot.sha256) throw new SnapshotChecksumError(snapshotId, snapshot.sha256, actual);
      await checkSameLog(tx, snapshot);
      await refuseRunningProcessors(tx, manifest);
      await refuseNonEmptyReadModels(tx, manifest);
      const tables = await loadRows(tx, snapshot, chunks);
      for (const expected of manifest.tables) {
        const loaded = tables.find(({ table }) => table === expected.table)?.rows ?? 0;
        if (loaded !== expected.rows) {
          throw new SnapshotContentError(snapshotId, `${expected.table} has ${loaded} rows, the manifest says ${expected.rows}`);
        }
        await advanceSequences(tx, expected.table);
      }
      // The transaction id is the event's as stored now, found by position: a log restored into
      // another cluster has renumbered them (transaction-id-rebase.ts), positions never change.
      for (const checkpoint of manifest.processors) {
        await tx.query(
          `INSERT INTO processor_checkpoints (processor, version, transaction_id, global_position, events_processed)
           VALUES ($1, $2, coalesce((SELECT transaction_id FROM events WHERE global_position = $3::bigint), '0'::xid8), $3::bigint, $4::bigint)
           ON CONFLICT (processor, version) DO UPDATE
             SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position,
                 events_processed = EXCLUDED.events_processed, updated_at = clock_timestamp()`,
          [checkpoint.name, checkpoint.version, checkpoint.globalPosition, checkpoint.eventsProcessed],
        );
      }
      await recordChecksumCheck(tx, snapshotId, 'verified');
      return { snapshot, tables, checkpoints: manifest.processors };
    });
  } catch (error) {
    if (error instanceof SnapshotChecksumError) await recordChecksumCheck(client, snapshotId, 'failed');
    throw error;
  }
}

/** The anchor event and the newest Merkle head of the snapshot must be this log's. */
async function checkSameLog(executor: SqlExecutor, snapshot: SnapshotSummary): Promise<void> {
  const { anchor, merkleHead } = snapshot.manifest;
  if (anchor !== null) {
    const { rows } = await executor.query<{ event_id: string }>('SELECT event_id FROM events WHERE global_position = $1::bigint', [
      anchor.globalPosition,
    ]);
    if (rows[0]?.event_id !== anchor.eventId) {
      const found = rows.length === 0 ? 'no event' : `event ${rows[0].event_id}`;
      throw new SnapshotFromAnotherLogError(snapshot.snapshotId, `it covers event ${anchor.eventId} at position ${anchor.globalPosition}; this log has ${found} there`);
    }
  }
  if (merkleHead !== null) {
    const { rows } = await executor.query<{ head_hash: string }>('SELECT head_hash FROM merkle_heads WHERE batch_id = $1::bigint', [merkleHead.batchId]);
    if (rows[0]?.head_hash !== merkleHead.headHash) {
      const found = rows.length === 0 ? 'no such batch' : `head ${rows[0].head_hash}`;
      throw new SnapshotFromAnotherLogError(
        snapshot.snapshotId,
        `it was taken at signed Merkle head ${merkleHead.headHash} (batch ${merkleHead.batchId}); this log has ${found}`,
      );
    }
  }
}

async function refuseRunningProcessors(tx: SqlExecutor, manifest: SnapshotManifest): Promise<void> {
  const running: { name: string; version: number; owner: string }[] = [];
  for (const { name, version } of manifest.processors) {
    const { rows } = await tx.query<{ owner: string }>(
      'SELECT owner FROM processor_leases WHERE processor = $1 AND version = $2 AND expires_at > clock_timestamp()',
      [name, version],
    );
    if (rows.length > 0) running.push({ name, version, owner: rows[0].owner });
  }
  if (running.length > 0) throw new ProcessorsRunningError(running);
}

async function refuseNonEmptyReadModels(tx: SqlExecutor, manifest: SnapshotManifest): Promise<void> {
  const nonEmpty: string[] = [];
  for (const { table } of manifest.tables) {
    const { rows } = await tx.query<{ present: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quoteTableName(table)}) AS present`);
    if (rows[0].present) nonEmpty.push(table);
  }
  for (const { name, version } of manifest.processors) {
    const { rows } = await tx.query('SELECT 1 FROM processor_checkpoints WHERE processor = $1 AND version = $2 AND global_position > 0', [name, version]);
    if (rows.length > 0) nonEmpty.push(`checkpoint of ${name}@v${version}`);
  }
  if (nonEmpty.length > 0) throw new ReadModelsNotEmptyError(nonEmpty);
}

/**
 * PostgreSQL turns each table's chunks back into rows (`json_populate_recordset` over the chunk's
 * lines, which `row_to_json` wrote without raw newlines), one statement per table: the rows do
 * not pass through this process.
 */
async function loadRows(tx: SqlExecutor, snapshot: SnapshotSummary, chunks: readonly ChunkDigest[]): Promise<{ table: string; rows: number }[]> {
  const expected = new Map(snapshot.manifest.tables.map(({ table }) => [table, 0]));
  for (const chunk of chunks) {
    const sum = expected.get(chunk.table);
    if (sum === undefined) {
      throw new SnapshotContentError(snapshot.snapshotId, `chunk ${chunk.chunkNo} holds rows of ${chunk.table || 'no table'}, which its manifest does not list`);
    }
    expected.set(chunk.table, sum + chunk.rows);
  }
  const tables: { table: string; rows: number }[] = [];
  for (const [table, rows] of expected) {
    if (rows === 0) {
      tables.push({ table, rows: 0 });
      continue;
    }
    const quoted = quoteTableName(table);
    const { rowCount } = await tx.query(
      `INSERT INTO ${quoted}
       SELECT r.* FROM read_model_snapshot_chunks c
       CROSS JOIN LATERAL json_populate_recordset(NULL::${quoted}, ('[' || replace(convert_from(c.data, 'UTF8'), E'\n', ',') || ']')::json) r
       WHERE c.snapshot_id = $1 AND c.table_name = $2`,
      [snapshot.snapshotId, table],
    );
    if (rowCount !== rows) throw new SnapshotContentError(snapshot.snapshotId, `${table}'s chunks hold ${rowCount} rows, they say ${rows}`);
    tables.push({ table, rows });
  }
  return tables;
}

/** Rows came with their serial ids: move each owned sequence past them, so new rows do not collide. */
async function advanceSequences(tx: SqlExecutor, table: string): Promise<void> {
  const quoted = quoteTableName(table);
  const { rows } = await tx.query<{ column_name: string; sequence: string | null }>(
    `SELECT attname AS column_name, pg_get_serial_sequence($1, attname) AS sequence
       FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [quoted],
  );
  for (const { column_name: column, sequence } of rows) {
    if (sequence === null) continue;
    await tx.query(`SELECT setval($1, COALESCE((SELECT max("${column}") FROM ${quoted}), 1), (SELECT max("${column}") FROM ${quoted}) IS NOT NULL)`, [
      sequence,
    ]);
  }
}
