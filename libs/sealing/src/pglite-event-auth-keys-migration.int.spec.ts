import { jest } from '@jest/globals';
import { openPgliteClient } from '@caracal/event-store';
import { describeEventAuthKeysMigration } from './testing/event-auth-keys-migration-suite.js';

jest.setTimeout(120_000);

describeEventAuthKeysMigration('PGlite (in memory)', { open: () => openPgliteClient(), close: (client) => client.close() });
