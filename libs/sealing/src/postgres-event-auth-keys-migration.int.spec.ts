import { describe } from '@jest/globals';
import { createPostgresClient, type SqlClient } from '@caracal/event-store';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { describeEventAuthKeysMigration } from './testing/event-auth-keys-migration-suite.js';

const runPostgres = await shouldRunPostgresTests('PostgreSQL event-auth-keys migration tests');
const describePostgres = runPostgres ? describe : describe.skip;

const databases = new Map<SqlClient, TestDatabase>();
describePostgres('PostgreSQL', () => {
  describeEventAuthKeysMigration('PostgreSQL', {
    async open() {
      const database = await createTestDatabase('auth_keys');
      const client = createPostgresClient({ connectionString: database.url, max: 2 });
      databases.set(client, database);
      return client;
    },
    async close(client) {
      await client.close();
      await databases.get(client)?.drop();
    },
  });
});
