// The PostgreSQL side of a migration suite: each open() is a new database, dropped on close. Test code only.
import { createPostgresClient, type SqlClient } from '@caracal/event-store';
import { createTestDatabase, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import type { MigrationSuiteSetup } from './stored-bytes-migration-suite.js';

/** `label` names the databases (createTestDatabase), so a leftover one says which suite made it. */
export function postgresMigrationSetup(label: string): MigrationSuiteSetup {
  const databases = new Map<SqlClient, TestDatabase>();
  return {
    async open() {
      const database = await createTestDatabase(label);
      const client = createPostgresClient({ connectionString: database.url, max: 2 });
      databases.set(client, database);
      return client;
    },
    async close(client) {
      await client.close();
      await databases.get(client)?.drop();
    },
  };
}
