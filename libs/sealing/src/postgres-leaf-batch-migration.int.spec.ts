import { describe } from '@jest/globals';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';
import { postgresMigrationSetup } from './testing/postgres-migration-setup.js';
import { describeLeafBatchMigration } from './testing/leaf-batch-migration-suite.js';

const runPostgres = await shouldRunPostgresTests('PostgreSQL leaf-batch migration tests');
const describePostgres = runPostgres ? describe : describe.skip;

describePostgres('PostgreSQL', () => {
  describeLeafBatchMigration('PostgreSQL', postgresMigrationSetup('leaf_batch'));
});
