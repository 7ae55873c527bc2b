import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataDirLockedError } from './event-store.errors.js';

const LOCK_FILE_NAME = 'caracal.lock';

export interface DataDirLock {
  readonly dataDir: string;
  release(): void;
}

/**
 * Exclusive ownership of an embedded data directory: two PGlite instances on one directory
 * would corrupt it. The lock file holds the owner's pid. A lock whose pid is no longer alive
 * was left by a crash and is taken over. Released on release() and on process exit.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const directory = resolve(dataDir);
  mkdirSync(directory, { recursive: true });
  const lockPath = join(directory, LOCK_FILE_NAME);
  const content = `${process.pid}\n`;

  // Two attempts: the second follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (createExclusively(lockPath, content)) {
      const releaseOnExit = () => removeIfOwned(lockPath, content);
      process.on('exit', releaseOnExit);
      return {
        dataDir: directory,
        release() {
          process.off('exit', releaseOnExit);
          removeIfOwned(lockPath, content);
        },
      };
    }
    const owner = readOwnerPid(lockPath);
    if (owner !== null && isAlive(owner)) throw new DataDirLockedError(directory, owner);
    rmSync(lockPath, { force: true });
  }
  throw new DataDirLockedError(directory, readOwnerPid(lockPath) ?? -1);
}

/**
 * Writes the pid to a private file, then hard-links it into place: the link appears atomically
 * with its content, so another process never reads a half-written (empty) lock file.
 */
function createExclusively(lockPath: string, content: string): boolean {
  const candidate = `${lockPath}.${process.pid}`;
  writeFileSync(candidate, content);
  try {
    linkSync(candidate, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(candidate, { force: true });
  }
}

function readOwnerPid(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(lockPath, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user
  }
}

function removeIfOwned(lockPath: string, content: string): void {
  try {
    if (readFileSync(lockPath, 'utf8') === content) rmSync(lockPath, { force: true });
  } catch {
    // already gone
  }
}
