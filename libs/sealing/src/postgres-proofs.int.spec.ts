import { describe, jest } from '@jest/globals';
import { postgresStoreFixture } from '@caracal/test-support/postgres-store-fixture.js';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';
import { describeProofs } from './testing/proofs-suite.js';

jest.setTimeout(120_000);

const runPostgres = await shouldRunPostgresTests('PostgreSQL proof tests');
const describePostgres = runPostgres ? describe : describe.skip;

describePostgres('PostgreSQL', () => {
  describeProofs('PostgreSQL', postgresStoreFixture('proofs'));
});
