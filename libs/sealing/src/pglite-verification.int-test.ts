import { jest } from '@jest/globals';
import { openPgliteClient, runMigrations, SqlEventStore, type SqlClient } from '../../event-store/src/index.js';
import { describeVerification } from './testing/verification-suite.js';

// jest.config.js's per-project testTimeout is not applied by Jest (a global-only option).
jest.setTimeout(120_000);

let client: SqlClient;

describeVerification('PGlite (in memory)', {
  async open() {
    client = await openPgliteClient();
    await runMigrations(client);
    return { client, store: new SqlEventStore(client) };
  },
  async close() {
    await client?.close();
  },
});
