import { describe } from '@jest/globals';
import { postgresStoreFixture } from '@caracal/test-support/postgres-store-fixture.js';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';
import { describeVerification } from './testing/verification-suite.js';

const runPostgres = await shouldRunPostgresTests('PostgreSQL verification tests');
const describePostgres = runPostgres ? describe : describe.skip;

describePostgres('PostgreSQL', () => {
  describeVerification('PostgreSQL', postgresStoreFixture('verification'));
});
