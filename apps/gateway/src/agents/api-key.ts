import { hash, randomBytes } from 'node:crypto';

/**
 * Agent API keys look like `ck_<keyId>_<secret>`: the key id (public, 16 hex) finds the key row
 * in O(1); only the SHA-256 of the whole key is stored, so a database leak reveals no key.
 * The secret carries 256 bits of randomness, which is why a plain (unsalted) hash suffices.
 */
export interface NewApiKey {
  keyId: string;
  key: string;
  keyHash: string;
}

const KEY_PATTERN = /^ck_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function generateApiKey(): NewApiKey {
  const keyId = randomBytes(8).toString('hex');
  const key = `ck_${keyId}_${randomBytes(32).toString('base64url')}`;
  return { keyId, key, keyHash: hashApiKey(key) };
}

/** Once per proxied request: the one-shot hash, a fifth of createHash's cost on a key this short. */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** The key id of a well-formed key, or null: malformed keys are rejected before any lookup. */
export function apiKeyId(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}
