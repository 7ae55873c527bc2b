import { jest } from '@jest/globals';
import { pgliteStoreFixture } from '@caracal/test-support/pglite-store-fixture.js';
import { describeVerification } from './testing/verification-suite.js';

// jest.config.js's per-project testTimeout is not applied by Jest (a global-only option).
jest.setTimeout(120_000);

describeVerification('PGlite (in memory)', pgliteStoreFixture());
