import { jest } from '@jest/globals';
import { openPgliteClient } from '@caracal/event-store';
import { describeLeafBatchMigration } from './testing/leaf-batch-migration-suite.js';

jest.setTimeout(120_000);

describeLeafBatchMigration('PGlite (in memory)', { open: () => openPgliteClient(), close: (client) => client.close() });
