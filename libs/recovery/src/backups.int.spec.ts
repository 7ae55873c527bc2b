import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createPostgresClient, runMigrations, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { BackupDirectory } from './backup-directory.js';
import { createBackup } from './backup.create.js';
import { verifyBackup } from './backup.verify.js';

jest.setTimeout(60_000);

// PGlite backups (dumpDataDir, trial restore in memory, backup restore) are tested end to end in
// test/e2e/runbook-backup.e2e.spec.ts: a PGlite instance costs ~10 s to create, once is enough.

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

    await rm(directory.filePath(backup.file));
    expect(await verifyBackup(client, directory, backup.backupId, { trialRestore: false, databaseUrl: database.url })).toMatchObject({
      ok: false, checksumOk: false, actualSha256: `(no file ${backup.file})`,
    });
  });
});
