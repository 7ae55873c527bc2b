import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireDataDirLock, openPgliteClient } from '@caracal/event-store';
import type { BackupDirectory } from './backup-directory.js';
import type { BackupManifest } from './backup-manifest.js';
import { readLogState } from './backup.create.js';
import { BackupChecksumError, BackupUnavailableError } from './backup.errors.js';

export interface PgliteRestoreResult {
  backup: BackupManifest;
  /** The embedded database now holding the backup. */
  pgdata: string;
  /** Where the database it replaced was moved (kept, never deleted), or null if there was none. */
  previousMovedTo: string | null;
  logHead: BackupManifest['logHead'];
}

/**
 * `backup restore` on the embedded profile, run by the CLI on the data directory while the
 * gateway is stopped (the data directory's lock refuses otherwise): checks the SHA-256, moves the
 * current database aside to `pgdata.before-restore-<time>`, and loads the backup's tarball as
 * `<data dir>/pgdata`. A PostgreSQL dump is refused with the runbook's way to load it.
 */
export async function restorePgliteBackup(directory: BackupDirectory, backupId: string, dataDir: string, now: Date = new Date()): Promise<PgliteRestoreResult> {
  const backup = await directory.read(backupId);
  if (backup.encoding !== 'pglite-data-dir-tgz') {
    throw new BackupUnavailableError(
      `backup ${backupId} is a PostgreSQL dump: load it into an empty database with ` +
        `gunzip -c ${directory.filePath(backup.file)} | psql <database> (runbook: PostgreSQL Restore)`,
    );
  }
  const tarball = await readFile(directory.filePath(backup.file));
  const actual = createHash('sha256').update(tarball).digest('hex');
  if (actual !== backup.sha256) throw new BackupChecksumError(backupId, backup.sha256, actual);

  const pgdata = join(dataDir, 'pgdata');
  acquireDataDirLock(pgdata).release(); // refuses while a gateway has the database open
  let previousMovedTo: string | null = null;
  if (existsSync(join(pgdata, 'PG_VERSION'))) {
    previousMovedTo = `${pgdata}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    await rename(pgdata, previousMovedTo);
  }
  const restored = await openPgliteClient({ dataDir: pgdata, loadDataDir: tarball });
  try {
    const { logHead } = await readLogState(restored);
    return { backup, pgdata, previousMovedTo, logHead };
  } finally {
    await restored.close();
  }
}
