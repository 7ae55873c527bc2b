import pg from 'pg';
import { toStoreError } from './connection-failure.js';
import { PostgresListener } from './postgres-listener.js';
import type { SqlClient, SqlExecutor } from './sql-client.js';

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
    async transaction(fn) {
      const connectionClient = await pool.connect().catch((error: unknown) => {
        throw toStoreError(error);
      });
      let broken: Error | undefined;
      // pg-pool removes its own error listener while a client is checked out; without one, a
      // connection reset mid-transaction is an unhandled 'error' event that kills the process.
      // The failing query rejects on its own: here we only mark the connection as unusable.
      const onConnectionError = (error: Error): void => {
        broken = error;
      };
      connectionClient.on('error', onConnectionError);
      // BEGIN goes out with the transaction's first statement (beginWith), not as a round trip of its own.
      let begun = false;
      const tx: SqlExecutor = {
        query(sql, params, preparedName) {
          if (begun) return runQuery(connectionClient, sql, params, preparedName);
          begun = true;
          return beginWith(connectionClient, sql, params, preparedName);
        },
      };
      try {
        const result = await fn(tx);
        if (begun) await runQuery(connectionClient, 'COMMIT');
        return result;
      } catch (error) {
        if (begun) {
          await connectionClient.query('ROLLBACK').catch((rollbackError: Error) => {
            broken = rollbackError; // the connection is unusable: destroy it instead of pooling it
          });
        }
        throw error;
      } finally {
        connectionClient.off('error', onConnectionError);
        connectionClient.release(broken);
      }
    },
    listen: (channel, onNotify) => listener.listen(channel, onNotify),
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

function executorOf(target: pg.Pool | pg.PoolClient): SqlExecutor {
  return { query: (sql, params, preparedName) => runQuery(target, sql, params, preparedName) };
}

/** BEGIN as a named statement, prepared once per connection, so that beginWith can send it with no Parse. */
const BEGIN = { name: 'caracal_begin', text: 'BEGIN' };
const beganOn = new WeakSet<pg.PoolClient>();

/** pg's Query, with the method that writes its extended-protocol messages (not in its typings). */
interface ExtendedQuery {
  prepare(connection: pg.Connection): void;
}
const ExtendedQueryClass = pg.Query as unknown as new (config: pg.QueryConfig & { callback: (error: Error | null, result: pg.QueryResult | pg.QueryResult[]) => void }) => ExtendedQuery & pg.Submittable;

/**
 * A statement preceded by Bind/Execute of the prepared BEGIN, in the same message group (one
 * Sync): one round trip for both. If BEGIN fails, PostgreSQL skips the statement (it discards
 * everything up to the Sync), so the statement never runs outside the transaction. The answer
 * holds BEGIN's result first, then the statement's.
 */
class BeginThenQuery extends ExtendedQueryClass {
  override prepare(connection: pg.Connection): void {
    connection.bind({ statement: BEGIN.name, values: [] }, false);
    connection.execute({}, false);
    super.prepare(connection);
  }
}

/**
 * The transaction's first statement, with its BEGIN. Only the extended protocol can carry both in
 * one group: a statement without parameters or name (simple protocol: may hold several
 * statements), or a connection without BEGIN prepared yet, takes BEGIN as a round trip of its own.
 */
async function beginWith<R extends Record<string, unknown>>(
  client: pg.PoolClient,
  sql: string,
  params?: readonly unknown[],
  preparedName?: string,
): Promise<{ rows: R[]; rowCount: number }> {
  if (!beganOn.has(client) || (params === undefined && preparedName === undefined)) {
    await runQuery(client, BEGIN.text, [], BEGIN.name);
    beganOn.add(client);
    return runQuery(client, sql, params, preparedName);
  }
  try {
    const result = await new Promise<pg.QueryResult<R> | pg.QueryResult<R>[]>((resolve, reject) => {
      client.query(new BeginThenQuery({
        text: sql,
        values: params ? [...params] : [],
        ...(preparedName === undefined ? {} : { name: preparedName }),
        callback: (error, answer) => (error ? reject(error) : resolve(answer as pg.QueryResult<R> | pg.QueryResult<R>[])),
      }));
    });
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return { rows: last.rows, rowCount: last.rowCount ?? 0 };
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
