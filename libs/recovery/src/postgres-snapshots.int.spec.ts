import { describe, jest } from '@jest/globals';
import { postgresStoreFixture } from '@caracal/test-support/postgres-store-fixture.js';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';
import { describeSnapshotSuite } from './testing/snapshot-suite.js';

// jest.config.js's per-project testTimeout is not applied by Jest (a global-only option).
jest.setTimeout(120_000);

const runPostgres = await shouldRunPostgresTests('PostgreSQL snapshot tests');
(runPostgres ? describe : describe.skip)('PostgreSQL', () => {
  describeSnapshotSuite('PostgreSQL', postgresStoreFixture('snapshots'), postgresStoreFixture('snapshots_other'));
});
