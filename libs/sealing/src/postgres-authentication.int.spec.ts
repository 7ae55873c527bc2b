import { describe } from '@jest/globals';
import { postgresStoreFixture } from '@caracal/test-support/postgres-store-fixture.js';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';
import { describeEventAuthentication } from './testing/authentication-suite.js';

const runPostgres = await shouldRunPostgresTests('PostgreSQL event authentication tests');
const describePostgres = runPostgres ? describe : describe.skip;

describePostgres('PostgreSQL', () => {
  describeEventAuthentication('PostgreSQL', postgresStoreFixture('authentication'));
});
