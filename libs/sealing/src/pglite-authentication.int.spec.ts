import { jest } from '@jest/globals';
import { pgliteStoreFixture } from '@caracal/test-support/pglite-store-fixture.js';
import { describeEventAuthentication } from './testing/authentication-suite.js';

jest.setTimeout(120_000);

describeEventAuthentication('PGlite (in memory)', pgliteStoreFixture());
