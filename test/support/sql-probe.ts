import type { SqlClient, SqlExecutor } from '@caracal/event-store';

export interface HeldWrite {
  /** Resolves once a write (a transaction, or an INSERT INTO events) has been asked for and is held. */
  entered: Promise<void>;
  /** Lets the held write go on to the real store. */
  release(): void;
}

export interface SqlProbe {
  /** The client to give the app under test: the real one, observed. */
  client: SqlClient;
  /** Statements matching `pattern` that have returned so far. */
  finished(pattern: RegExp): number;
  /** Holds the next write before it reaches the store, so a test can act while it is pending. */
  holdNextWrite(): HeldWrite;
}

/**
 * Wraps a real SqlClient (PGlite or PostgreSQL) to let a test see where a request is: which
 * statements have returned, and to keep the next write (a hold's commit) pending while the test
 * does something (aborts the client). Every statement still runs on the real database.
 */
export function probeSqlClient(inner: SqlClient): SqlProbe {
  const done: string[] = [];
  let held: { enter: () => void; gate: Promise<void> } | null = null;

  const waitIfHeld = async (): Promise<void> => {
    if (held === null) return;
    const { enter, gate } = held;
    held = null;
    enter();
    await gate;
  };

  const client: SqlClient = {
    backend: inner.backend,
    async query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly unknown[], preparedName?: string) {
      if (/^\s*INSERT\s+INTO\s+events\b/i.test(sql)) await waitIfHeld();
      const result = await inner.query<R>(sql, params, preparedName);
      done.push(sql);
      return result;
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      await waitIfHeld();
      return inner.transaction(fn);
    },
    listen: (channel, onNotify) => inner.listen(channel, onNotify),
    close: () => inner.close(),
  };

  return {
    client,
    finished: (pattern) => done.filter((sql) => pattern.test(sql)).length,
    holdNextWrite() {
      let enter!: () => void;
      let release!: () => void;
      const entered = new Promise<void>((resolve) => (enter = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      held = { enter, gate };
      return { entered, release };
    },
  };
}
