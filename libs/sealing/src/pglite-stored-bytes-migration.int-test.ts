import { jest } from '@jest/globals';
import { openPgliteClient } from '../../event-store/src/index.js';
import { describeStoredBytesMigration } from './testing/stored-bytes-migration-suite.js';

jest.setTimeout(120_000);

describeStoredBytesMigration('PGlite (in memory)', { open: () => openPgliteClient(), close: (client) => client.close() });
