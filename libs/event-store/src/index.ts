export * from './event-store.port.js';
export * from './event-store.errors.js';
export type { SqlBackend, SqlClient, SqlExecutor, SqlRows, SqlStatement } from './sql-client.js';
export { newEventId, uuidText } from './event-id.js';
export { SqlEventStore, EVENTS_CHANNEL, type SqlEventStoreOptions } from './sql-event-store.js';
export { createPostgresClient, type PostgresClientOptions } from './postgres-client.js';
export { openPgliteClient, type PgliteClientOptions } from './pglite-client.js';
export { openPgliteWorkerClient } from './pglite-worker-client.js';
export {
  runMigrations,
  pendingMigrations,
  findMigrationsDirectory,
  MigrationChecksumMismatchError,
  type MigrationOptions,
  type MigrationResult,
} from './migrations.js';
export { isConnectionFailure } from './connection-failure.js';
export { findUnstorableText, textProblem } from './storable-text.js';
export { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
export {
  checkEventTag, eventAuthenticationBytes, eventAuthenticationText, eventAuthenticator, eventKeyIdOf, EVENT_KEY_LENGTH, hmacSha256, InvalidEventKeyError,
  type AuthenticatedEventFields, type EventAuthenticator, type EventKeyring, type EventTagCheck,
} from './event-authentication.js';
