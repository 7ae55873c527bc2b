import { jest } from '@jest/globals';
import { openPgliteClient } from '@caracal/event-store';
import { describeStoredBytesMigration } from './testing/stored-bytes-migration-suite.js';

jest.setTimeout(120_000);

describeStoredBytesMigration('PGlite (in memory)', { open: () => openPgliteClient(), close: (client) => client.close() });
