import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { eventAuthenticator, eventKeyIdOf, EVENT_KEY_LENGTH, type EventAuthenticator, type EventKeyring } from '@caracal/event-store';

/**
 * Event authentication keys in files (docs/leaf-format.md "Event authentication"), handled like
 * the Merkle signing key file: 32 random bytes as 64 hex digits, a regular file of mode 0600/0400
 * or stricter, never in the database. A rotation keeps the old key beside it as
 * `<path>.<first 16 hex of its key id>.retired`; the keyring is the file and those.
 */
export class EventKeyLoadError extends Error {
  constructor(source: string, detail: string) {
    super(`Cannot load the event authentication key from ${source}: ${detail}`);
    this.name = 'EventKeyLoadError';
  }
}

const HEX_KEY = /^[0-9a-f]{64}$/i;

/** The key in hex text (a file's content or an env var's value). */
export function parseEventKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (!HEX_KEY.test(trimmed)) throw new EventKeyLoadError(source, `expected ${EVENT_KEY_LENGTH} bytes as ${EVENT_KEY_LENGTH * 2} hex digits`);
  return Buffer.from(trimmed, 'hex');
}

export async function loadEventKeyFile(path: string): Promise<Buffer> {
  const source = `file ${path}`;
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new EventKeyLoadError(source, (error as NodeJS.ErrnoException).code ?? 'cannot stat');
  }
  if (!info.isFile()) throw new EventKeyLoadError(source, 'not a regular file');
  if ((info.mode & 0o077) !== 0) {
    throw new EventKeyLoadError(source, `mode ${(info.mode & 0o777).toString(8).padStart(4, '0')} lets group or others access it; chmod 600 it`);
  }
  return parseEventKey(await readFile(path, 'utf8'), source);
}

/** A new random key written to a new 0600 file (never overwrites). Returns its key id. */
export async function writeNewEventKeyFile(path: string): Promise<string> {
  const key = randomBytes(EVENT_KEY_LENGTH);
  // The embedded profile's first start: its data directory does not exist yet.
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return eventKeyIdOf(key);
}

/** The key of `path` and every retired one beside it. */
export async function loadEventKeyring(path: string): Promise<Map<string, Buffer>> {
  const keys = new Map<string, Buffer>();
  const current = await loadEventKeyFile(path);
  keys.set(eventKeyIdOf(current), current);
  const prefix = `${basename(path)}.`;
  for (const name of await readdir(dirname(path))) {
    if (!name.startsWith(prefix) || !name.endsWith('.retired')) continue;
    const key = await loadEventKeyFile(join(dirname(path), name));
    keys.set(eventKeyIdOf(key), key);
  }
  return keys;
}

/** The writer's authenticator (the file's current key) and the sealer's keyring, re-read when the file changes. */
export interface EventKeys {
  authenticator: EventAuthenticator;
  keyring(): Promise<EventKeyring>;
}

/**
 * A key file as EventKeys. The writer keeps the key it was started with (a rotated key takes
 * over at the next start; the old one stays in every keyring, so its events still seal); the
 * keyring is re-read whenever the file or its directory changed (a rotation, a retired key
 * deleted), so a sealer knows a new key as soon as a restarted writer uses it, and stops accepting
 * a retired key once its file is gone. `accepted` (hex, CARACAL_EVENT_AUTH_ACCEPTED_KEYS) are in the keyring
 * too: keys other writers tag with, the sealer being elsewhere.
 */
export async function eventKeysFromFile(path: string, accepted: readonly string[] = []): Promise<EventKeys> {
  const fingerprint = async (): Promise<string> => {
    const [info, dir] = await Promise.all([stat(path), stat(dirname(path))]);
    return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}:${dir.mtimeMs}:${dir.ctimeMs}`;
  };
  const acceptedKeys = acceptedKeyring(accepted);
  const load = async (): Promise<Map<string, Buffer>> => new Map([...acceptedKeys, ...await loadEventKeyring(path)]);
  let seen = await fingerprint();
  let keyring = await load();
  const authenticator = eventAuthenticator(await loadEventKeyFile(path));
  return {
    authenticator,
    async keyring() {
      const now = await fingerprint();
      if (now !== seen) {
        keyring = await load();
        seen = now;
      }
      return keyring;
    },
  };
}

/**
 * One key given as hex (an env var), with the `accepted` ones in the keyring: rotated by moving
 * the old key to `accepted` and setting a new one (docs/runbook.md).
 */
export function eventKeysFromHex(hex: string, source: string, accepted: readonly string[] = []): EventKeys {
  const key = parseEventKey(hex, source);
  const keyring = new Map([...acceptedKeyring(accepted), [eventKeyIdOf(key), key]]);
  return { authenticator: eventAuthenticator(key), keyring: () => Promise.resolve(keyring) };
}

function acceptedKeyring(accepted: readonly string[]): Map<string, Buffer> {
  return new Map(accepted.map((hex, i) => parseEventKey(hex, `CARACAL_EVENT_AUTH_ACCEPTED_KEYS item ${i + 1}`)).map((key) => [eventKeyIdOf(key), key]));
}

/**
 * Replaces the key file with a new key; the old one is hard-linked to
 * `<path>.<first 16 hex of its key id>.retired` before the new one is renamed over `path`.
 */
export async function rotateEventKeyFile(path: string): Promise<{ oldKeyId: string; newKeyId: string; retiredPath: string }> {
  const oldKeyId = eventKeyIdOf(await loadEventKeyFile(path));
  const retiredPath = `${path}.${oldKeyId.slice(0, 16)}.retired`;
  const tempPath = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const newKeyId = await writeNewEventKeyFile(tempPath);
  try {
    await link(path, retiredPath);
  } catch (error) {
    await unlink(tempPath);
    throw new EventKeyLoadError(`file ${path}`, `cannot keep the old key as ${retiredPath} (${(error as NodeJS.ErrnoException).code ?? 'cannot link'}); nothing was changed`);
  }
  await rename(tempPath, path);
  return { oldKeyId, newKeyId, retiredPath };
}
