import { jest } from '@jest/globals';
import { pgliteStoreFixture } from '@caracal/test-support/pglite-store-fixture.js';
import { describeProcessingSuite } from './testing/processing-suite.js';

// jest.config.js's per-project testTimeout is not applied by Jest (a global-only option).
jest.setTimeout(120_000);

// PGlite has one connection: a hung transaction would hang every query in the process, so the
// "killed mid-batch" case runs on PostgreSQL only (postgres-processing.int.spec.ts).
describeProcessingSuite('PGlite', pgliteStoreFixture());
