import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EMBEDDED_EVENT_KEY_FILE } from '@caracal/api-contract';
import { ConfigError, loadConfig } from '@caracal/config';
import { eventKeyIdOf } from '@caracal/event-store';
import { resolveEventKeys } from './event-keys.js';

describe('resolveEventKeys: the production profile fails closed', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caracal-event-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const production = (env: Record<string, string> = {}) =>
    loadConfig({ DATABASE_URL: 'postgres://caracal@127.0.0.1:5432/caracal', CARACAL_DATA_DIR: dir, ...env });

  it('refuses to start a writer or sealer in production without a key, naming the variable', async () => {
    const error = await resolveEventKeys(production(), { required: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ setting: 'CARACAL_EVENT_AUTH_KEY' });
    expect((error as Error).message).toMatch(/^configuration CARACAL_EVENT_AUTH_KEY: the production profile needs an event authentication key/);
    expect((error as Error).message).toMatch(/CARACAL_EVENT_AUTH_KEY_FILE/);
    // Nothing is generated in production: a key only the one pod knows would refuse every other pod's events.
    await expect(stat(join(dir, EMBEDDED_EVENT_KEY_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives a process that neither writes nor seals no key, and no error', async () => {
    await expect(resolveEventKeys(production(), { required: false })).resolves.toBeNull();
  });

  it('takes the key from CARACAL_EVENT_AUTH_KEY, with CARACAL_EVENT_AUTH_ACCEPTED_KEYS in the keyring only', async () => {
    const [current, old, next] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const keys = await resolveEventKeys(
      production({ CARACAL_EVENT_AUTH_KEY: current.toString('hex'), CARACAL_EVENT_AUTH_ACCEPTED_KEYS: `${old.toString('hex')}, ${next.toString('hex').toUpperCase()}` }),
      { required: true },
    );
    expect(keys?.authenticator.keyId).toBe(eventKeyIdOf(current));
    expect([...(await keys!.keyring()).keys()].sort()).toEqual([current, old, next].map(eventKeyIdOf).sort());
  });

  it('refuses a malformed accepted key, naming the variable and the item but not the value', () => {
    const secret = 'ab'.repeat(31);
    const attempt = () => production({ CARACAL_EVENT_AUTH_KEY: '0f'.repeat(32), CARACAL_EVENT_AUTH_ACCEPTED_KEYS: `${'0e'.repeat(32)},${secret}` });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^configuration CARACAL_EVENT_AUTH_ACCEPTED_KEYS: item 2 must be 64 hex digits/);
    expect(attempt).not.toThrow(new RegExp(secret));
  });

  it('generates the embedded key in the data dir on first start (mode 0600) and keeps it', async () => {
    const embedded = loadConfig({ CARACAL_DATA_DIR: dir });
    const first = await resolveEventKeys(embedded, { required: true });
    const info = await stat(join(dir, EMBEDDED_EVENT_KEY_FILE));
    expect(info.mode & 0o777).toBe(0o600);
    const again = await resolveEventKeys(embedded, { required: true });
    expect(again?.authenticator.keyId).toBe(first?.authenticator.keyId);
  });
});
