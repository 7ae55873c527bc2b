import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupManifest } from './backup-manifest.js';
import { BackupNotFoundError } from './backup.errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The backup directory (CARACAL_BACKUP_DIR, default `<data dir>/backups`): each backup is its file
 * and `<id>.json`, its manifest. The manifest is written last, by rename, so a backup is listed
 * only once its file is complete; a crash mid-dump leaves a `.partial` file and nothing listed.
 */
export class BackupDirectory {
  constructor(readonly path: string) {}

  async prepare(): Promise<void> {
    await mkdir(this.path, { recursive: true, mode: 0o700 });
  }

  filePath(name: string): string {
    return join(this.path, name);
  }

  async list(): Promise<BackupManifest[]> {
    let names: string[];
    try {
      names = await readdir(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const manifests: BackupManifest[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || !UUID.test(name.slice(0, -'.json'.length))) continue;
      manifests.push(JSON.parse(await readFile(join(this.path, name), 'utf8')) as BackupManifest);
    }
    return manifests.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  async read(backupId: string): Promise<BackupManifest> {
    if (!UUID.test(backupId)) throw new BackupNotFoundError(backupId);
    try {
      return JSON.parse(await readFile(join(this.path, `${backupId}.json`), 'utf8')) as BackupManifest;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupNotFoundError(backupId);
      throw error;
    }
  }

  async writeManifest(manifest: BackupManifest): Promise<void> {
    const partial = join(this.path, `${manifest.backupId}.json.partial`);
    await writeFile(partial, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await rename(partial, join(this.path, `${manifest.backupId}.json`));
  }

  /** SHA-256 (hex) of a backup's file as it is on disk now. */
  async hashFile(manifest: BackupManifest): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(this.filePath(manifest.file))) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }
}
