import { describe } from '@jest/globals';
import { postgresStoreFixture } from '@caracal/test-support/postgres-store-fixture.js';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';
import { describeSealing } from './testing/sealing-suite.js';

const runPostgres = await shouldRunPostgresTests('PostgreSQL sealing tests');
const describePostgres = runPostgres ? describe : describe.skip;

describePostgres('PostgreSQL', () => {
  describeSealing('PostgreSQL', postgresStoreFixture('sealing'));
});
