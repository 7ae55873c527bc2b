import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { PGlite, Results, Transaction } from '@electric-sql/pglite';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { StoreUnavailableError } from './event-store.errors.js';
import { PglitePreparedStatements } from './pglite-prepared-statements.js';
import type { SqlClient, SqlExecutor, SqlRows } from './sql-client.js';

/**
 * PostgreSQL's default shared_buffers (128 MB) lives in PGlite's WASM memory and is touched as
 * the database grows: with it the embedded gateway's RSS passed 400 MB. The data files are in the
 * OS page cache anyway (NODEFS), so a small pool costs little (docs/benchmarks.md, issue 9).
 */
const EXTRA_START_PARAMS = ['-c', 'shared_buffers=16MB'];

/**
 * PGlite's module is imported when a database is opened, not with this library: every process
 * that uses the event store on PostgreSQL (the production gateway, the projector, the CLI) would
 * otherwise load and keep its ~0.5 MB of JavaScript for nothing (docs/benchmarks.md, issue 9).
 */
const loadPglite = () => import('@electric-sql/pglite');

/**
 * Creating a data directory runs initdb, which grows PGlite's WASM memory to ~850 MB that a
 * process never gives back; opening an existing one needs ~170 MB. So a new directory is created
 * by a short-lived child process, and this process only opens it.
 */
const INITDB_SCRIPT = `
const { PGlite } = await import(process.env.CARACAL_PGLITE_MODULE);
const db = await PGlite.create({ dataDir: process.env.CARACAL_PGLITE_DATA_DIR, startParams: JSON.parse(process.env.CARACAL_PGLITE_START_PARAMS) });
await db.close();
`;

export interface PgliteClientOptions {
  /** Directory of the embedded database; omitted → in memory, gone on close. */
  dataDir?: string;
  /** A data directory dumped by dumpDataDir (gzip'd tarball) to start from; dataDir must not hold a database yet. */
  loadDataDir?: Uint8Array;
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
    db = await openPglite(dataDir, options.loadDataDir);
  } catch (error) {
    lock?.release();
    throw error;
  }

  const statements = await pglitePreparedStatements(db);
  const executor = pgliteExecutor(db, statements, false);
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    if (db.closed) throw new StoreUnavailableError(new Error('the embedded database is closed'));
    return work();
  };

  return {
    backend: 'pglite',
    query: (sql, params, preparedName) => guarded(() => executor.query(sql, params, preparedName)),
    transaction: (fn) => guarded(() => db.transaction((tx) => fn(pgliteExecutor(tx, statements, true)))),
    listen: (channel, onNotify) =>
      guarded(async () => {
        const unlisten = await db.listen(channel, onNotify);
        return async () => {
          if (!db.closed) await unlisten();
        };
      }),
    // In process (tests, the CLI): its callers run nothing else on the instance meanwhile.
    dumpDataDir: (read) =>
      guarded(async () => {
        const result = await read(executor);
        return { read: result, tarball: new Uint8Array(await (await db.dumpDataDir('gzip')).arrayBuffer()) };
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

/**
 * PGlite on `dataDir` (created first when new), or in memory. The caller holds the data
 * directory's lock. Also what the worker of openPgliteWorkerClient opens.
 */
export async function openPglite(dataDir: string | undefined, loadDataDir?: Uint8Array): Promise<PGlite> {
  const { PGlite, types } = await loadPglite();
  const startParams = [...PGlite.defaultStartParams, ...EXTRA_START_PARAMS];
  if (loadDataDir === undefined && dataDir !== undefined && !existsSync(join(dataDir, 'PG_VERSION'))) await createDataDir(dataDir, startParams);
  return PGlite.create({
    dataDir,
    loadDataDir: loadDataDir === undefined ? undefined : new Blob([loadDataDir]),
    startParams,
    // int8 as text, like pg: callers convert with BigInt() explicitly on both backends.
    parsers: { [types.INT8]: (value: string) => value },
    // bytea parameters (event tags) as hex text, written natively: PGlite's own serializer maps
    // every byte through a closure and a string.
    serializers: { [types.BYTEA]: byteaText },
  });
}

function byteaText(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new TypeError('a bytea parameter takes bytes (Uint8Array or Buffer)');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

async function createDataDir(dataDir: string, startParams: readonly string[]): Promise<void> {
  const pgliteModule = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', INITDB_SCRIPT], {
    env: {
      ...process.env,
      CARACAL_PGLITE_MODULE: pgliteModule,
      CARACAL_PGLITE_DATA_DIR: dataDir,
      CARACAL_PGLITE_START_PARAMS: JSON.stringify(startParams),
    },
  });
}

/** The prepared statements of an instance opened by openPglite (one per instance). */
export async function pglitePreparedStatements(db: PGlite): Promise<PglitePreparedStatements> {
  const { protocol } = await loadPglite();
  return new PglitePreparedStatements(db, protocol.serialize);
}

/**
 * Queries on the instance, or on its transaction `target` (inTransaction): a named statement runs
 * prepared (PglitePreparedStatements); anything else through PGlite's query() or, without
 * parameters, exec() (several statements allowed; the last one's result).
 */
export function pgliteExecutor(
  target: PGlite | Transaction,
  statements: PglitePreparedStatements,
  inTransaction: boolean,
): SqlExecutor {
  return {
    query: <R extends Record<string, unknown>>(sql: string, params?: readonly unknown[], preparedName?: string): Promise<SqlRows<R>> =>
      preparedName === undefined ? runQuery<R>(target, sql, params) : statements.run<R>(preparedName, sql, params ?? [], inTransaction),
  };
}

async function runQuery<R extends Record<string, unknown>>(
  target: PGlite | Transaction,
  sql: string,
  params?: readonly unknown[],
): Promise<SqlRows<R>> {
  const result: Results<R> =
    params && params.length > 0
      ? await target.query<R>(sql, [...params])
      : ((await target.exec(sql)).at(-1) as Results<R>);
  const rowCount = result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0);
  return { rows: result.rows, rowCount };
}
