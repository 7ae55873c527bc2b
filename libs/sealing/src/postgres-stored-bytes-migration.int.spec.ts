import { describe } from '@jest/globals';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';
import { postgresMigrationSetup } from './testing/postgres-migration-setup.js';
import { describeStoredBytesMigration } from './testing/stored-bytes-migration-suite.js';

const runPostgres = await shouldRunPostgresTests('PostgreSQL stored-bytes migration tests');
const describePostgres = runPostgres ? describe : describe.skip;

describePostgres('PostgreSQL', () => {
  describeStoredBytesMigration('PostgreSQL', postgresMigrationSetup('stored_bytes'));
});
