// The repository's migrations as they were before one of them: a database migrated from this
// directory is one that an older build left, for a test of the migration that follows. Test code only.
import { cp, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findMigrationsDirectory } from '@caracal/event-store';

/** A new temporary directory holding the migrations whose file names sort before `version` (e.g. '019'). The caller removes it. */
export async function migrationsBefore(version: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'caracal-migrations-'));
  const all = findMigrationsDirectory();
  for (const name of await readdir(all)) if (name.endsWith('.sql') && name < version) await cp(join(all, name), join(directory, name));
  return directory;
}
