import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventKeysFromFile, writeNewEventKeyFile } from './event-key-file.js';

describe('writeNewEventKeyFile', () => {
  const root = mkdtempSync(join(tmpdir(), 'caracal-event-key-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the data directory of a first start (0700) and the key file in it (0600)', async () => {
    const dataDir = join(root, 'fresh', '.caracal');
    const keyId = await writeNewEventKeyFile(join(dataDir, 'event-auth-key'));
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'event-auth-key')).mode & 0o777).toBe(0o600);
    expect((await eventKeysFromFile(join(dataDir, 'event-auth-key'))).authenticator.keyId).toBe(keyId);
  });

  it('never overwrites a key that exists', async () => {
    const path = join(root, 'existing', 'event-auth-key');
    await writeNewEventKeyFile(path);
    await expect(writeNewEventKeyFile(path)).rejects.toMatchObject({ code: 'EEXIST' });
  });
});
