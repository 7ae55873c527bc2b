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
      try {
        await runQuery(connectionClient, 'BEGIN');
        const result = await fn(executorOf(connectionClient));
        await runQuery(connectionClient, 'COMMIT');
        return result;
      } catch (error) {
        await connectionClient.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError; // the connection is unusable: destroy it instead of pooling it
        });
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
