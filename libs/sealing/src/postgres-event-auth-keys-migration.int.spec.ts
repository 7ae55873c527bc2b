import { describe } from '@jest/globals';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';
import { postgresMigrationSetup } from './testing/postgres-migration-setup.js';
import { describeEventAuthKeysMigration } from './testing/event-auth-keys-migration-suite.js';

const runPostgres = await shouldRunPostgresTests('PostgreSQL event-auth-keys migration tests');
const describePostgres = runPostgres ? describe : describe.skip;

describePostgres('PostgreSQL', () => {
  describeEventAuthKeysMigration('PostgreSQL', postgresMigrationSetup('auth_keys'));
});
