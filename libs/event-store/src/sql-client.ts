/** A statement with its parameters; a name makes it a prepared statement (see SqlExecutor.query). */
export interface SqlStatement {
  sql: string;
  params: readonly unknown[];
  preparedName?: string;
}

export type SqlRows<R extends Record<string, unknown> = Record<string, unknown>> = { rows: R[]; rowCount: number };

/**
 * The one SQL surface shared by the event store and the read models, so the same SQL runs on
 * PostgreSQL (pg Pool) and on PGlite (embedded). Parameters use $1..$n. int8/xid8 columns come
 * back as strings on both backends: callers convert with BigInt() explicitly.
 */
export interface SqlExecutor {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    /**
     * A name for a statement run often with parameters: the database then parses it once per
     * connection (a named prepared statement; on PGlite, PglitePreparedStatements). One name, one
     * SQL text, one statement.
     */
    preparedName?: string,
  ): Promise<{ rows: R[]; rowCount: number }>;
  /**
   * Only on a PostgreSQL transaction's executor: the transaction's last statement, sent with its
   * COMMIT (one round trip). If the statement or the COMMIT fails, nothing commits and the error
   * is thrown; no statement may follow. Where absent, use query: the transaction commits when
   * its function returns.
   */
  queryThenCommit?<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    preparedName?: string,
  ): Promise<{ rows: R[]; rowCount: number }>;
  /**
   * Only on a PostgreSQL transaction's executor: the transaction's last two statements, `first`
   * then `last`, then COMMIT. Once `last` (named) is prepared on the connection, they go in one
   * message group with the COMMIT (and the BEGIN, if nothing ran yet): one round trip. A failure
   * stops everything after it, so nothing commits; `first` must fail itself (raise) for `last`
   * not to run. Before that (the connection's first use of `last`) they take two round trips.
   * Returns each statement's rows; no statement may follow.
   */
  queryPairThenCommit?<F extends Record<string, unknown> = Record<string, unknown>, L extends Record<string, unknown> = Record<string, unknown>>(
    first: SqlStatement,
    last: SqlStatement,
  ): Promise<[SqlRows<F>, SqlRows<L>]>;
  /**
   * Only on a PostgreSQL transaction's executor: `first` then `second`, in one message group (with
   * the BEGIN, if nothing ran yet) once `second` (named) is prepared on the connection; before
   * that, two round trips. `second` runs only if `first` succeeded, and on a snapshot taken when
   * it starts (READ COMMITTED): after a `first` that waited for a row lock, it sees what the
   * lock's holder committed. Returns each statement's rows; the transaction goes on.
   */
  queryPair?<F extends Record<string, unknown> = Record<string, unknown>, S extends Record<string, unknown> = Record<string, unknown>>(
    first: SqlStatement,
    second: SqlStatement,
  ): Promise<[SqlRows<F>, SqlRows<S>]>;
  /**
   * Only on a PostgreSQL client (not a transaction): runs one statement and hands each row to
   * `onRow` as it arrives from the server instead of collecting them into an array, so a reader
   * of many wide rows (verify-range) processes them while the rest are still coming and holds
   * none of them longer than it needs. Resolves with the row count once the statement is done; an
   * error thrown by `onRow` drops the remaining rows and rejects with it. Where absent, use query.
   */
  queryEach?<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] | undefined,
    onRow: (row: R) => void,
    preparedName?: string,
  ): Promise<number>;
}

export type SqlBackend = 'postgres' | 'pglite';

export interface SqlClient extends SqlExecutor {
  readonly backend: SqlBackend;
  /** Runs fn in one transaction (BEGIN/COMMIT; ROLLBACK and rethrow on error). */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; returns an unlisten function. Postgres uses a dedicated client. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /**
   * PGlite only: runs `read`, then dumps the data directory as a gzip'd tarball, with nothing run
   * in between, so what `read` saw is what the tarball holds (`backup create`).
   */
  dumpDataDir?<T>(read: (executor: SqlExecutor) => Promise<T>): Promise<{ read: T; tarball: Uint8Array }>;
}
