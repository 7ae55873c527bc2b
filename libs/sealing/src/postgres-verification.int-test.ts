import { describe, jest } from '@jest/globals';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '../../../test/support/postgres-test-database.js';
import { createPostgresClient, runMigrations, SqlEventStore, type SqlClient } from '../../event-store/src/index.js';
import { describeVerification } from './testing/verification-suite.js';

// jest.config.js's per-project testTimeout is not applied by Jest (a global-only option).
jest.setTimeout(120_000);

const runPostgres = await shouldRunPostgresTests('PostgreSQL verification tests');
const describePostgres = runPostgres ? describe : describe.skip;

describePostgres('PostgreSQL', () => {
  let database: TestDatabase;
  let client: SqlClient;
  describeVerification('PostgreSQL', {
    async open() {
      database = await createTestDatabase('verification');
      client = createPostgresClient({ connectionString: database.url, max: 5 });
      await runMigrations(client);
      return { client, store: new SqlEventStore(client) };
    },
    async close() {
      await client?.close();
      await database?.drop();
    },
  });
});
