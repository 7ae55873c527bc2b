import { resolve } from 'node:path';
import { PGlite, types, type Results, type Transaction } from '@electric-sql/pglite';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { StoreUnavailableError } from './event-store.errors.js';
import type { SqlClient, SqlExecutor } from './sql-client.js';

export interface PgliteClientOptions {
  /** Directory of the embedded database; omitted → in memory, gone on close. */
  dataDir?: string;
}

/**
 * SqlClient over PGlite (PostgreSQL in WASM, in process). PGlite has one connection: queries and
 * transactions run one at a time, and code inside transaction() must use the executor it is
 * given (the client itself waits for the transaction to end). Without parameters a query may
 * hold several statements, as on pg, and the last statement's result is returned.
 */
export async function openPgliteClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const lock: DataDirLock | null = dataDir === undefined ? null : acquireDataDirLock(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create({
      dataDir,
      // int8 as text, like pg: callers convert with BigInt() explicitly on both backends.
      parsers: { [types.INT8]: (value: string) => value },
    });
  } catch (error) {
    lock?.release();
    throw error;
  }

  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    if (db.closed) throw new StoreUnavailableError(new Error('the embedded database is closed'));
    return work();
  };

  return {
    backend: 'pglite',
    query: (sql, params) => guarded(() => runQuery(db, sql, params)),
    transaction: (fn) => guarded(() => db.transaction((tx) => fn(executorOf(tx)))),
    listen: (channel, onNotify) =>
      guarded(async () => {
        const unlisten = await db.listen(channel, onNotify);
        return async () => {
          if (!db.closed) await unlisten();
        };
      }),
    async close() {
      try {
        if (!db.closed) await db.close();
      } finally {
        lock?.release();
      }
    },
  };
}

function executorOf(tx: Transaction): SqlExecutor {
  return { query: (sql, params) => runQuery(tx, sql, params) };
}

async function runQuery<R extends Record<string, unknown>>(
  target: PGlite | Transaction,
  sql: string,
  params?: readonly unknown[],
): Promise<{ rows: R[]; rowCount: number }> {
  const result: Results<R> =
    params && params.length > 0
      ? await target.query<R>(sql, [...params])
      : ((await target.exec(sql)).at(-1) as Results<R>);
  const rowCount = result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0);
  return { rows: result.rows, rowCount };
}
