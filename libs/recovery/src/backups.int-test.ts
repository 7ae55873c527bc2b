import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createPostgresClient, openPgliteClient, runMigrations, SqlEventStore, type SqlClient } from '../../event-store/src/index.js';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '../../../test/support/postgres-test-database.js';
import { BackupDirectory } from './backup-directory.js';
import { createBackup } from './backup.create.js';
import { verifyBackup } from './backup.verify.js';
import { restorePgliteBackup } from './pglite-backup.restore.js';

jest.setTimeout(120_000);

async function appendEvents(client: SqlClient, count: number): Promise<void> {
  const store = new SqlEventStore(client);
  for (let i = 0; i < count; i++) {
    await store.append(`backup-test-${randomUUID()}`, [{ eventId: randomUUID(), type: 'Appended', schemaVersion: 1, data: { i }, metadata: {} }], { expected: 'no_stream' });
  }
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'caracal-backups-'));
});
afterAll(async () => rm(scratch, { recursive: true, force: true }));

const runPostgres = await shouldRunPostgresTests('PostgreSQL backup tests');
(runPostgres ? describe : describe.skip)('backups on PostgreSQL', () => {
  let database: TestDatabase;
  let client: SqlClient;
  beforeAll(async () => {
    database = await createTestDatabase('backups');
    client = createPostgresClient({ connectionString: database.url, max: 3 });
    await runMigrations(client);
    await appendEvents(client, 5);
  });
  afterAll(async () => {
    await client.close();
    await database.drop();
  });

  it('dumps with pg_dump, lists, verifies by checksum and by a trial restore, and detects an altered file', async () => {
    const directory = new BackupDirectory(join(scratch, 'pg'));
    const backup = await createBackup(client, directory, { tag: 'corruption-evidence', databaseUrl: database.url });
    expect(backup).toMatchObject({ type: 'postgresql', encoding: 'plain-sql-gzip', tag: 'corruption-evidence', logHead: { events: '5' } });
    expect(backup.tool).toMatch(/pg_dump \(PostgreSQL\) 1\d/);
    expect((await directory.list()).map((b) => b.backupId)).toEqual([backup.backupId]);

    const verified = await verifyBackup(client, directory, backup.backupId, { trialRestore: true, databaseUrl: database.url });
    expect(verified).toMatchObject({ ok: true, checksumOk: true, trialRestore: { matchesManifest: true, restoredEvents: '5', verifyRange: { ok: true, events: 5 } } });

    await appendFile(directory.filePath(backup.file), Buffer.from([0]));
    const altered = await verifyBackup(client, directory, backup.backupId, { trialRestore: true, databaseUrl: database.url });
    expect(altered).toMatchObject({ ok: false, checksumOk: false, trialRestore: null });
  });
});

describe('backups on PGlite', () => {
  it('dumps the data directory, verifies it by a trial restore, and backup restore loads it as the data directory', async () => {
    const dataDir = join(scratch, 'embedded');
    const client = await openPgliteClient({ dataDir: join(dataDir, 'pgdata') });
    const directory = new BackupDirectory(join(dataDir, 'backups'));
    let backupId: string;
    try {
      await runMigrations(client);
      await appendEvents(client, 3);
      const backup = await createBackup(client, directory, { databaseUrl: null });
      expect(backup).toMatchObject({ encoding: 'pglite-data-dir-tgz', tag: null, logHead: { events: '3' } });
      backupId = backup.backupId;
      const verified = await verifyBackup(client, directory, backupId, { trialRestore: true, databaseUrl: null });
      expect(verified).toMatchObject({ ok: true, trialRestore: { matchesManifest: true, restoredEvents: '3' } });
      await appendEvents(client, 2); // after the backup: gone after the restore
      await expect(restorePgliteBackup(directory, backupId, dataDir)).rejects.toThrow(/in use by process/);
    } finally {
      await client.close();
    }

    const restored = await restorePgliteBackup(directory, backupId, dataDir);
    expect(restored.logHead.events).toBe('3');
    expect(restored.previousMovedTo).toMatch(/pgdata\.before-restore-/);
    const reopened = await openPgliteClient({ dataDir: join(dataDir, 'pgdata') });
    try {
      const { rows } = await reopened.query<{ n: string }>('SELECT count(*)::text AS n FROM events');
      expect(rows[0].n).toBe('3');
    } finally {
      await reopened.close();
    }
  });
});
