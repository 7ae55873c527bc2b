import { jest } from '@jest/globals';
import { pgliteStoreFixture } from '@caracal/test-support/pglite-store-fixture.js';
import { describeSealing } from './testing/sealing-suite.js';

// jest.config.js's per-project testTimeout is not applied by Jest (a global-only option).
jest.setTimeout(120_000);

describeSealing('PGlite (in memory)', pgliteStoreFixture());
