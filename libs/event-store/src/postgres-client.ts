import pg from 'pg';
import { toStoreError } from './connection-failure.js';
import { PostgresListener } from './postgres-listener.js';
import type { SqlClient, SqlExecutor, SqlRows, SqlStatement } from './sql-client.js';

export interface PostgresClientOptions {
  connectionString: string;
  /** Pool size (default 10). */
  max?: number;
  /** How long to wait for a connection before failing with StoreUnavailableError (default 5000). */
  connectionTimeoutMillis?: number;
  applicationName?: string;
  /** Errors of idle pooled connections and of the LISTEN connection (default: console.warn). */
  onBackgroundError?: (error: unknown) => void;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

/**
 * SqlClient over a pg Pool. Without parameters a query may hold several statements (simple
 * protocol; the last statement's result is returned), which migrations rely on.
 */
export function createPostgresClient(options: PostgresClientOptions): SqlClient {
  const onBackgroundError = options.onBackgroundError ?? warnBackgroundError;
  const connection = {
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    application_name: options.applicationName ?? 'caracal',
  };
  const pool = new pg.Pool({ ...connection, max: options.max ?? DEFAULT_POOL_SIZE });
  // An idle connection that dies (server restart, network) emits here; the pool drops it.
  pool.on('error', onBackgroundError);
  const listener = new PostgresListener(connection, onBackgroundError);

  return {
    backend: 'postgres',
    query: executorOf(pool).query,
    queryEach(sql, params, onRow, preparedName) {
      return withCheckedOutClient(pool, (connectionClient) =>
        new Promise<number>((resolve, reject) => {
          // pg's Query with a 'row' listener and no callback does not collect the rows.
          const query = new pg.Query({ text: sql, values: params as unknown[] | undefined, name: preparedName });
          let count = 0;
          let failed: { error: unknown } | null = null;
          query.on('row', (row: Parameters<typeof onRow>[0]) => {
            if (failed !== null) return;
            count++;
            try {
              onRow(row);
            } catch (error) {
              failed = { error };
            }
          });
          query.on('end', () => (failed === null ? resolve(count) : reject(failed.error)));
          query.on('error', (error: Error) => reject(toStoreError(error)));
          connectionClient.query(query);
        }),
      );
    },
    transaction: (fn) => withCheckedOutClient(pool, async (connectionClient, markBroken) => {
      // BEGIN goes out with the transaction's first statement, and COMMIT with its last one when
      // the caller says which that is (queryThenCommit): neither takes a round trip of its own.
      const progress: { state: 'idle' | 'begun' | 'committed' } = { state: 'idle' };
      const send = async <R extends Record<string, unknown>>(sql: string, params: readonly unknown[] | undefined, preparedName: string | undefined, commit: boolean) => {
        if (progress.state === 'committed') throw new Error('the transaction has committed: no statement may follow queryThenCommit');
        const begin = progress.state === 'idle';
        progress.state = commit ? 'committed' : 'begun';
        // A lone statement that commits is a transaction by itself (autocommit).
        if (begin && commit) return runQuery<R>(connectionClient, sql, params, preparedName);
        return runGrouped<R>(connectionClient, { sql, params, preparedName }, { begin, commit });
      };
      const sendPair = async <F extends Record<string, unknown>, S extends Record<string, unknown>>(first: SqlStatement, second: SqlStatement, commit: boolean): Promise<[SqlRows<F>, SqlRows<S>]> => {
        if (progress.state === 'committed') throw new Error('the transaction has committed: no statement may follow queryThenCommit');
        const begin = progress.state === 'idle';
        if (!canGroupPair(connectionClient, first, second, { begin, commit })) {
          return [await send<F>(first.sql, first.params, first.preparedName, false), await send<S>(second.sql, second.params, second.preparedName, commit)];
        }
        progress.state = commit ? 'committed' : 'begun';
        return runPairGroup<F, S>(connectionClient, first, second as SqlStatement & { preparedName: string }, { begin, commit });
      };
      const tx: SqlExecutor = {
        query: (sql, params, preparedName) => send(sql, params, preparedName, false),
        queryThenCommit: (sql, params, preparedName) => send(sql, params, preparedName, true),
        queryPair: <F extends Record<string, unknown>, S extends Record<string, unknown>>(first: SqlStatement, second: SqlStatement) =>
          sendPair<F, S>(first, second, false),
        queryPairThenCommit: <F extends Record<string, unknown>, L extends Record<string, unknown>>(first: SqlStatement, last: SqlStatement) =>
          sendPair<F, L>(first, last, true),
      };
      try {
        const result = await fn(tx);
        if (progress.state === 'begun') await runPrepared(connectionClient, COMMIT);
        return result;
      } catch (error) {
        if (progress.state !== 'idle') {
          // Also after a failed queryThenCommit: its statement or COMMIT failed, so nothing committed.
          await connectionClient.query('ROLLBACK').catch(markBroken); // unusable: destroyed, not pooled
        }
        throw error;
      }
    }),
    listen: (channel, onNotify) => listener.listen(channel, onNotify),
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

/**
 * Runs `fn` on a connection checked out of the pool and returns it afterwards, destroyed instead
 * of pooled when it broke. pg-pool removes its own error listener while a client is checked out;
 * without one, a connection reset mid-use is an unhandled 'error' event that kills the process.
 * The failing query rejects on its own: the listener only marks the connection as unusable.
 */
async function withCheckedOutClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient, markBroken: (error: Error) => void) => Promise<T>): Promise<T> {
  const connectionClient = await pool.connect().catch((error: unknown) => {
    throw toStoreError(error);
  });
  let broken: Error | undefined;
  const markBroken = (error: Error): void => {
    broken = error;
  };
  connectionClient.on('error', markBroken);
  try {
    return await fn(connectionClient, markBroken);
  } finally {
    connectionClient.off('error', markBroken);
    connectionClient.release(broken);
  }
}

function executorOf(target: pg.Pool | pg.PoolClient): SqlExecutor {
  return { query: (sql, params, preparedName) => runQuery(target, sql, params, preparedName) };
}

/** BEGIN and COMMIT as named statements, prepared once per connection, so that a group sends them with no Parse. */
const BEGIN = { name: 'caracal_begin', text: 'BEGIN' };
const COMMIT = { name: 'caracal_commit', text: 'COMMIT' };
const prepared = new WeakMap<pg.PoolClient, Set<string>>();

/** pg's Query, with the methods that write its extended-protocol messages (not in its typings). */
interface ExtendedQuery {
  prepare(connection: pg.Connection): void;
  _getRows(connection: pg.Connection, rows: number | undefined): void;
}
type QueryCallback = (error: Error | null, result: pg.QueryResult | pg.QueryResult[]) => void;
/** pg's conversion of a parameter to its text form (arrays to array literals, dates, buffers), as its own Bind uses. */
const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;
const ExtendedQueryClass = pg.Query as unknown as new (config: pg.QueryConfig & { callback: QueryCallback }) => ExtendedQuery & pg.Submittable;

/**
 * A statement with Bind/Execute of the prepared BEGIN before it and/or COMMIT after it, all in
 * one message group (one Sync): one round trip. When a message fails, PostgreSQL skips the rest
 * of the group up to the Sync: a statement whose BEGIN failed never runs outside the
 * transaction, and a COMMIT whose statement failed never runs. The answer holds one result per
 * command, in order.
 */
class GroupedQuery extends ExtendedQueryClass {
  constructor(
    config: pg.QueryConfig & { callback: QueryCallback },
    private readonly around: { begin: boolean; commit: boolean; then?: { name: string; values: readonly unknown[] } },
  ) {
    super(config);
  }

  override prepare(connection: pg.Connection): void {
    if (this.around.begin) {
      connection.bind({ statement: BEGIN.name, values: [] }, false);
      connection.execute({}, false);
    }
    super.prepare(connection);
  }

  /**
   * Called by prepare after the statement's Bind and Describe: its Execute, then the prepared
   * statement that follows it (Bind, Describe, Execute), then COMMIT's, then the Sync.
   */
  override _getRows(connection: pg.Connection, rows: number | undefined): void {
    const then = this.around.then;
    if (!this.around.commit && then === undefined) return super._getRows(connection, rows);
    connection.execute({ portal: '' }, false);
    if (then !== undefined) {
      connection.bind({ statement: then.name, values: [...then.values], valueMapper: prepareValue } as pg.BindConfig, false);
      connection.describe({ type: 'P', name: '' }, false);
      connection.execute({ portal: '' }, false);
    }
    if (this.around.commit) {
      connection.bind({ statement: COMMIT.name, values: [] }, false);
      connection.execute({}, false);
    }
    connection.sync();
  }
}

/**
 * A statement of a transaction, with its BEGIN and/or COMMIT (GroupedQuery). Only the extended
 * protocol can carry them in one group: a statement without parameters or name (simple
 * protocol: may hold several statements), or a connection without BEGIN and COMMIT prepared
 * yet, takes them as round trips of their own.
 */
async function runGrouped<R extends Record<string, unknown>>(
  client: pg.PoolClient,
  statement: { sql: string; params?: readonly unknown[]; preparedName?: string },
  around: { begin: boolean; commit: boolean },
): Promise<{ rows: R[]; rowCount: number }> {
  const { sql, params, preparedName } = statement;
  const names = preparedOn(client);
  const extended = params !== undefined || preparedName !== undefined;
  const grouped = { begin: around.begin && extended && names.has(BEGIN.name), commit: around.commit && extended && names.has(COMMIT.name) };
  if (around.begin && !grouped.begin) await runPrepared(client, BEGIN);
  const result = grouped.begin || grouped.commit ? await runGroup<R>(client, statement, grouped) : await runQuery<R>(client, sql, params, preparedName);
  if (around.commit && !grouped.commit) await runPrepared(client, COMMIT);
  return result;
}

/** BEGIN or COMMIT on its own, as the named statement that later groups bind. */
async function runPrepared(client: pg.PoolClient, statement: { name: string; text: string }): Promise<void> {
  await runQuery(client, statement.text, [], statement.name);
  preparedOn(client).add(statement.name);
}

function preparedOn(client: pg.PoolClient): Set<string> {
  let names = prepared.get(client);
  if (names === undefined) {
    names = new Set();
    prepared.set(client, names);
  }
  return names;
}

async function runGroup<R extends Record<string, unknown>>(
  client: pg.PoolClient,
  statement: { sql: string; params?: readonly unknown[]; preparedName?: string },
  around: { begin: boolean; commit: boolean },
): Promise<{ rows: R[]; rowCount: number }> {
  const { sql, params, preparedName } = statement;
  try {
    const answer = await new Promise<pg.QueryResult<R> | pg.QueryResult<R>[]>((resolve, reject) => {
      client.query(new GroupedQuery({
        text: sql,
        values: params ? [...params] : [],
        ...(preparedName === undefined ? {} : { name: preparedName }),
        callback: (error, result) => (error ? reject(error) : resolve(result as pg.QueryResult<R> | pg.QueryResult<R>[])),
      }, around));
    });
    const results = Array.isArray(answer) ? answer : [answer];
    const own = results[around.begin ? 1 : 0];
    return { rows: own.rows, rowCount: own.rowCount ?? 0 };
  } catch (error) {
    throw toStoreError(error);
  }
}

/**
 * Whether queryPair(ThenCommit) can send everything in one group: `first` takes the extended
 * protocol (pg sends a statement with neither parameters nor name as a simple query), `last` is
 * already parsed on this connection under its name (its Parse would be answered out of the order
 * pg's Query expects), and BEGIN (if due) and COMMIT (if asked) are prepared.
 */
function canGroupPair(client: pg.PoolClient, first: SqlStatement, last: SqlStatement, around: { begin: boolean; commit: boolean }): boolean {
  const names = preparedOn(client);
  const parsed = (client as unknown as { connection: { parsedStatements: Record<string, string | undefined> } }).connection.parsedStatements;
  return (first.params.length > 0 || first.preparedName !== undefined)
    && last.preparedName !== undefined && parsed[last.preparedName] === last.sql
    && (!around.commit || names.has(COMMIT.name)) && (!around.begin || names.has(BEGIN.name));
}

/** BEGIN (if due), first, last, COMMIT (if asked), Sync: one round trip (GroupedQuery with `then`). */
async function runPairGroup<F extends Record<string, unknown>, L extends Record<string, unknown>>(
  client: pg.PoolClient,
  first: SqlStatement,
  last: SqlStatement & { preparedName: string },
  around: { begin: boolean; commit: boolean },
): Promise<[SqlRows<F>, SqlRows<L>]> {
  const { begin, commit } = around;
  try {
    const answer = await new Promise<pg.QueryResult[]>((resolve, reject) => {
      client.query(new GroupedQuery({
        text: first.sql,
        values: [...first.params],
        ...(first.preparedName === undefined ? {} : { name: first.preparedName }),
        callback: (error, result) => (error ? reject(error) : resolve(result as pg.QueryResult[])),
      }, { begin, commit, then: { name: last.preparedName, values: last.params } }));
    });
    const own = answer[begin ? 1 : 0];
    const next = answer[begin ? 2 : 1];
    return [
      { rows: own.rows as F[], rowCount: own.rowCount ?? 0 },
      { rows: next.rows as L[], rowCount: next.rowCount ?? 0 },
    ];
  } catch (error) {
    throw toStoreError(error);
  }
}

async function runQuery<R extends Record<string, unknown>>(
  target: pg.Pool | pg.PoolClient,
  sql: string,
  params?: readonly unknown[],
  preparedName?: string,
): Promise<{ rows: R[]; rowCount: number }> {
  try {
    const values = params ? [...params] : undefined;
    const result: pg.QueryResult<R> | pg.QueryResult<R>[] =
      preparedName === undefined
        ? await target.query<R>(sql, values)
        : await target.query<R>({ name: preparedName, text: sql, values });
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return { rows: last.rows, rowCount: last.rowCount ?? 0 };
  } catch (error) {
    throw toStoreError(error);
  }
}

function warnBackgroundError(error: unknown): void {
  console.warn('caracal event store: background connection error:', error instanceof Error ? error.message : error);
}
