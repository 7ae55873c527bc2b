import { createPostgresClient, runMigrations, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { createTestDatabase, type TestDatabase } from './postgres-test-database.js';

/**
 * open/close for a shared test suite on PostgreSQL: a migrated database of the file's own,
 * dropped afterwards.
 */
export function postgresStoreFixture(prefix: string): { open(): Promise<{ client: SqlClient; store: SqlEventStore }>; close(): Promise<void> } {
  let database: TestDatabase | undefined;
  let client: SqlClient | undefined;
  return {
    async open() {
      database = await createTestDatabase(prefix);
      client = createPostgresClient({ connectionString: database.url, max: 5 });
      await runMigrations(client);
      return { client, store: new SqlEventStore(client) };
    },
    async close() {
      await client?.close();
      await database?.drop();
    },
  };
}
