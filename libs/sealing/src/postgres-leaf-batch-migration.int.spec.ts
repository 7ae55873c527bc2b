import { describe } from '@jest/globals';
import { createPostgresClient, type SqlClient } from '@caracal/event-store';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { describeLeafBatchMigration } from './testing/leaf-batch-migration-suite.js';

const runPostgres = await shouldRunPostgresTests('PostgreSQL leaf-batch migration tests');
const describePostgres = runPostgres ? describe : describe.skip;

const databases = new Map<SqlClient, TestDatabase>();
describePostgres('PostgreSQL', () => {
  describeLeafBatchMigration('PostgreSQL', {
    async open() {
      const database = await createTestDatabase('leaf_batch');
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
