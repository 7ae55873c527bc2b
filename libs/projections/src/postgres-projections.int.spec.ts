import { describe } from '@jest/globals';
import { postgresStoreFixture } from '@caracal/test-support/postgres-store-fixture.js';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';
import { describeProjections } from './testing/projection-suite.js';

const runPostgres = await shouldRunPostgresTests('PostgreSQL projection tests');
const describePostgres = runPostgres ? describe : describe.skip;

describePostgres('PostgreSQL', () => {
  describeProjections('PostgreSQL', postgresStoreFixture('projections'));
});
