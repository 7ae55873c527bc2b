import { jest } from '@jest/globals';
import { openPgliteClient, runMigrations, SqlEventStore, type SqlClient } from '../../event-store/src/index.js';
import { describeProcessingSuite } from './testing/processing-suite.js';

// jest.config.js's per-project testTimeout is not applied by Jest (a global-only option).
jest.setTimeout(120_000);

let client: SqlClient | undefined;

// PGlite has one connection: a hung transaction would hang every query in the process, so the
// "killed mid-batch" case runs on PostgreSQL only (postgres-processing.int-test.ts).
describeProcessingSuite('PGlite', {
  async open() {
    client = await openPgliteClient();
    await runMigrations(client);
    return { client, store: new SqlEventStore(client) };
  },
  async close() {
    await client?.close();
  },
});
