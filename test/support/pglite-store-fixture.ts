import { openPgliteClient, runMigrations, SqlEventStore, type SqlClient } from '@caracal/event-store';

/** open/close for a shared test suite on PGlite: a migrated in-memory database of the suite's own. */
export function pgliteStoreFixture(): { open(): Promise<{ client: SqlClient; store: SqlEventStore }>; close(): Promise<void> } {
  let client: SqlClient | undefined;
  return {
    async open() {
      client = await openPgliteClient();
      await runMigrations(client);
      return { client, store: new SqlEventStore(client) };
    },
    async close() {
      await client?.close();
    },
  };
}
