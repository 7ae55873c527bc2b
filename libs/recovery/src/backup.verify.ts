import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createPostgresClient, openPgliteClient, type SqlClient } from '@caracal/event-store';
import { verifyRange } from '@caracal/sealing';
import type { BackupDirectory } from './backup-directory.js';
import type { BackupManifest, BackupVerification, TrialRestoreReport } from './backup-manifest.js';
import { readLogState } from './backup.create.js';
import { BackupFailedError, BackupUnavailableError } from './backup.errors.js';
import { compareKafkaBackup } from './kafka-backup.js';
import { findPostgresTool, serverVersion, spawnPostgresTool } from './postgres-tools.js';

export interface VerifyBackupOptions {
  /** Also restore it into a scratch database and verify the restored log's Merkle batches. */
  trialRestore: boolean;
  /** The production profile's DATABASE_URL: the scratch database is made on that server. */
  databaseUrl: string | null;
}

/** The verify-range of a trial restore covers the whole log. */
const WHOLE_LOG = { start: '1970-01-01T00:00:00Z', end: 'now' } as const;

/**
 * `backup verify`: the file's SHA-256 against the manifest; with a trial restore, the backup
 * loaded the way an operator would load it (psql for a SQL dump, PGlite for a data directory)
 * into a scratch database, whose log head and Merkle head must be the manifest's and whose log
 * must pass `merkle verify-range`. The scratch database is dropped afterwards.
 */
export async function verifyBackup(client: SqlClient, directory: BackupDirectory, backupId: string, options: VerifyBackupOptions): Promise<BackupVerification> {
  const backup = await directory.read(backupId);
  const actualSha256 = await directory.hashFile(backup).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return `(no file ${backup.file})`;
    throw error;
  });
  const checksumOk = actualSha256 === backup.sha256;
  if (backup.type === 'kafka') {
    // Topic contents: nothing to restore into a scratch database; compared with the event log instead.
    const kafka = checksumOk ? await compareKafkaBackup(client, directory, backup) : null;
    return { backup, checksumOk, actualSha256, trialRestore: null, kafka, ok: checksumOk && kafka?.ok === true };
  }
  let trialRestore: TrialRestoreReport | null = null;
  if (options.trialRestore && checksumOk) {
    trialRestore = backup.encoding === 'pglite-data-dir-tgz'
      ? await trialRestorePglite(directory, backup)
      : await trialRestorePostgres(client, directory, backup, options.databaseUrl);
  }
  const trialOk = trialRestore === null || (trialRestore.matchesManifest && trialRestore.verifyRange.ok);
  return { backup, checksumOk, actualSha256, trialRestore, ok: checksumOk && trialOk && (trialRestore !== null || !options.trialRestore) };
}

async function trialRestorePglite(directory: BackupDirectory, backup: BackupManifest): Promise<TrialRestoreReport> {
  const started = Date.now();
  const restored = await openPgliteClient({ loadDataDir: await readFile(directory.filePath(backup.file)) });
  try {
    return await checkRestored(restored, backup, 'PGlite in memory', started);
  } finally {
    await restored.close();
  }
}

async function trialRestorePostgres(client: SqlClient, directory: BackupDirectory, backup: BackupManifest, databaseUrl: string | null): Promise<TrialRestoreReport> {
  if (databaseUrl === null) throw new BackupUnavailableError('a trial restore of a PostgreSQL dump needs the production profile (DATABASE_URL)');
  const started = Date.now();
  const psql = await findPostgresTool('psql', (await serverVersion(client)).major);
  const scratch = `caracal_trial_${randomBytes(6).toString('hex')}`;
  const scratchUrl = new URL(databaseUrl);
  scratchUrl.pathname = `/${scratch}`;
  try {
    await client.query(`CREATE DATABASE ${scratch}`);
  } catch (error) {
    throw new BackupUnavailableError(
      `the trial restore could not create its scratch database (${(error as Error).message}); it needs the CREATEDB privilege for the gateway's database role`,
    );
  }
  try {
    await loadWithPsql(psql.path, scratchUrl.toString(), directory.filePath(backup.file));
    const restored = createPostgresClient({ connectionString: scratchUrl.toString(), max: 2 });
    try {
      return await checkRestored(restored, backup, `database ${scratch} (dropped)`, started);
    } finally {
      await restored.close();
    }
  } finally {
    await client.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  }
}

/** `gunzip -c file | psql -v ON_ERROR_STOP=1`: the runbook's restore, stopping at the first error. */
async function loadWithPsql(psql: string, url: string, path: string): Promise<void> {
  const load = spawnPostgresTool(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1'], url, ['pipe', 'ignore', 'pipe']);
  await pipeline(createReadStream(path), createGunzip(), load.child.stdin!);
  const code = await load.exited;
  if (code !== 0) throw new BackupFailedError(`the trial restore failed: psql exited with ${code}: ${load.stderr()}`);
}

async function checkRestored(restored: SqlClient, backup: BackupManifest, scratch: string, started: number): Promise<TrialRestoreReport> {
  const state = await readLogState(restored);
  const matchesManifest =
    state.logHead.globalPosition === backup.logHead.globalPosition &&
    state.logHead.events === backup.logHead.events &&
    JSON.stringify(state.merkleHead) === JSON.stringify(backup.merkleHead);
  const range = await verifyRange(restored, WHOLE_LOG);
  return {
    scratch,
    restoredEvents: state.logHead.events,
    restoredHead: state.logHead.globalPosition,
    matchesManifest,
    verifyRange: {
      ok: range.ok,
      batches: range.totals.batches,
      batchesOk: range.totals.batchesOk,
      events: range.totals.events,
      sealedEvents: range.totals.sealedEvents,
      unsealedEvents: range.totals.unsealedEvents,
      failures: range.totals.failures,
    },
    durationMs: Date.now() - started,
  };
}
