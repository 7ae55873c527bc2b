import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlClient, SqlExecutor } from './sql-client.js';

export interface MigrationOptions {
  /** Directory of the numbered *.sql files; default: schemas/migrations of this repository. */
  directory?: string;
}

export interface MigrationResult {
  /** Versions applied by this run, in order. */
  applied: string[];
  /** Every version the database has now, in order. */
  current: string[];
}

/** An applied migration file was edited afterwards: the database no longer matches the files. */
export class MigrationChecksumMismatchError extends Error {
  constructor(readonly version: string) {
    super(`migration ${version} was changed after it was applied; add a new migration instead of editing it`);
    this.name = 'MigrationChecksumMismatchError';
  }
}

interface Migration {
  version: string; // file name without .sql, e.g. 001_event_store
  sql: string;
  checksum: string;
}

// Any fixed key: every process that migrates this database takes the same one.
const MIGRATION_LOCK_KEY = '7243100001';

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text        PRIMARY KEY,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

/**
 * Applies the migrations the database does not have yet, in file-name order, in one
 * transaction: all of them or none. A transaction-scoped advisory lock makes processes that
 * migrate at the same time take turns; the later one finds nothing left to do.
 */
export async function runMigrations(client: SqlClient, options: MigrationOptions = {}): Promise<MigrationResult> {
  const migrations = await readMigrations(options.directory ?? findMigrationsDirectory());
  return client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await tx.query(CREATE_MIGRATIONS_TABLE);
    const done = await appliedChecksums(tx);
    const applied: string[] = [];
    for (const migration of migrations) {
      const checksum = done.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) throw new MigrationChecksumMismatchError(migration.version);
        continue;
      }
      await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [
        migration.version,
        migration.checksum,
      ]);
      applied.push(migration.version);
    }
    return { applied, current: [...(await appliedChecksums(tx)).keys()] };
  });
}

/** Versions present as files but not applied to the database (for health checks). */
export async function pendingMigrations(client: SqlClient, options: MigrationOptions = {}): Promise<string[]> {
  const migrations = await readMigrations(options.directory ?? findMigrationsDirectory());
  const { rows } = await client.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  const done = rows[0].present ? await appliedChecksums(client) : new Map<string, string>();
  return migrations.map((migration) => migration.version).filter((version) => !done.has(version));
}

/**
 * Walks up from this module to the directory holding schemas/migrations: the same code runs
 * from source (libs/event-store/src) and compiled (dist/libs/event-store/src).
 */
export function findMigrationsDirectory(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(directory, 'schemas', 'migrations');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no schemas/migrations directory above ${fileURLToPath(import.meta.url)}`);
    directory = parent;
  }
}

async function readMigrations(directory: string): Promise<Migration[]> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (name) => {
      const sql = await readFile(join(directory, name), 'utf8');
      return {
        version: name.slice(0, -'.sql'.length),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    }),
  );
}

async function appliedChecksums(executor: SqlExecutor): Promise<Map<string, string>> {
  const { rows } = await executor.query<{ version: string; checksum: string }>(
    'SELECT version, checksum FROM schema_migrations ORDER BY version',
  );
  return new Map(rows.map((row) => [row.version, row.checksum]));
}
