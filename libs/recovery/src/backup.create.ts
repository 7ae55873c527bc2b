import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { SqlClient, SqlExecutor } from '@caracal/event-store';
import type { BackupDirectory } from './backup-directory.js';
import type { BackupManifest } from './backup-manifest.js';
import { BackupFailedError, BackupUnavailableError } from './backup.errors.js';
import { findPostgresTool, serverVersion, spawnPostgresTool } from './postgres-tools.js';

export interface CreateBackupOptions {
  tag?: string | null;
  /** The production profile's DATABASE_URL, for pg_dump; null on the embedded profile. */
  databaseUrl: string | null;
}

type LogState = Pick<BackupManifest, 'logHead' | 'merkleHead'>;

/**
 * `backup create --type postgresql`: on PostgreSQL a plain-SQL pg_dump, gzip'd; on PGlite the
 * data directory as a gzip'd tarball. Either way the manifest's log head and Merkle head are read
 * in the same snapshot the dump is made of: pg_dump runs on a snapshot exported by the
 * transaction that read them, PGlite is dumped with nothing run in between.
 */
export async function createBackup(client: SqlClient, directory: BackupDirectory, options: CreateBackupOptions): Promise<BackupManifest> {
  await directory.prepare();
  const backupId = randomUUID();
  const made = client.dumpDataDir !== undefined ? await dumpPglite(client, directory, backupId) : await dumpPostgres(client, directory, backupId, options);
  const manifest: BackupManifest = {
    format: 1,
    backupId,
    type: 'postgresql',
    tag: options.tag ?? null,
    createdAt: new Date().toISOString(),
    ...made,
  };
  await directory.writeManifest(manifest);
  return manifest;
}

type Made = Omit<BackupManifest, 'format' | 'backupId' | 'type' | 'tag' | 'createdAt'>;

async function dumpPostgres(client: SqlClient, directory: BackupDirectory, backupId: string, options: CreateBackupOptions): Promise<Made> {
  if (options.databaseUrl === null) throw new BackupUnavailableError('this gateway has no DATABASE_URL to dump');
  const server = await serverVersion(client);
  const pgDump = await findPostgresTool('pg_dump', server.major);
  const file = `${backupId}.sql.gz`;
  const partial = directory.filePath(`${file}.partial`);
  try {
    return await client.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const { rows } = await tx.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
      const state = await readLogState(tx);
      // The exported snapshot lives as long as this transaction: pg_dump must finish inside it.
      const written = await runPgDump(pgDump.path, options.databaseUrl as string, rows[0].snapshot, partial);
      await rename(partial, directory.filePath(file));
      return { encoding: 'plain-sql-gzip', file, sizeBytes: written.bytes.toString(), sha256: written.sha256, serverVersion: server.text, tool: pgDump.version, ...state } satisfies Made;
    });
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** pg_dump --snapshot … | gzip > file, hashing the gzip'd bytes on the way. */
async function runPgDump(pgDump: string, databaseUrl: string, snapshot: string, path: string): Promise<{ bytes: number; sha256: string }> {
  // --no-owner/--no-privileges: the dump loads as whoever restores it, into a cluster that may
  // not have this one's roles (the runbook restores with `psql -U caracal`).
  const dump = spawnPostgresTool(pgDump, ['--format=plain', '--no-owner', '--no-privileges', `--snapshot=${snapshot}`], databaseUrl, ['ignore', 'pipe', 'pipe']);
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(dump.child.stdout!, createGzip(), tap, createWriteStream(path, { mode: 0o600 }));
  const code = await dump.exited;
  if (code !== 0) throw new BackupFailedError(`pg_dump exited with ${code}: ${dump.stderr()}`);
  return { bytes, sha256: hash.digest('hex') };
}

async function dumpPglite(client: SqlClient, directory: BackupDirectory, backupId: string): Promise<Made> {
  const dumped = await (client.dumpDataDir as NonNullable<SqlClient['dumpDataDir']>)(async (executor) => ({
    state: await readLogState(executor),
    server: await serverVersion(executor),
  }));
  const file = `${backupId}.tar.gz`;
  await writeFile(directory.filePath(`${file}.partial`), dumped.tarball, { mode: 0o600 });
  await rename(directory.filePath(`${file}.partial`), directory.filePath(file));
  return {
    encoding: 'pglite-data-dir-tgz',
    file,
    sizeBytes: dumped.tarball.byteLength.toString(),
    sha256: createHash('sha256').update(dumped.tarball).digest('hex'),
    serverVersion: `${dumped.read.server.text} (PGlite)`,
    tool: 'PGlite dumpDataDir',
    ...dumped.read.state,
  };
}

export async function readLogState(sql: SqlExecutor): Promise<LogState> {
  const head = await sql.query<{ position: string | null; events: string }>(
    'SELECT max(global_position)::text AS position, count(*)::text AS events FROM events',
  );
  const merkle = await sql.query<{ batch_id: string; tree_size: string; head_hash: string }>(
    'SELECT batch_id::text AS batch_id, tree_size::text AS tree_size, head_hash FROM merkle_heads ORDER BY batch_id DESC LIMIT 1',
  );
  return {
    logHead: { globalPosition: head.rows[0].position ?? '0', events: head.rows[0].events },
    merkleHead: merkle.rows.length === 0 ? null : { batchId: merkle.rows[0].batch_id, treeSize: Number(merkle.rows[0].tree_size), headHash: merkle.rows[0].head_hash },
  };
}
