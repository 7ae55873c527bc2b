import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateSigningKeyPair, keyIdOf } from '@caracal/merkle';
import { verify } from 'node:crypto';
import { loadSigningKey, loadSigningKeyEnv, loadSigningKeyFile, SigningKeyLoadError, writeSigningKeyFile } from './signing-key.js';

describe('signing keys', () => {
  let dir: string;
  const pair = generateSigningKeyPair();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caracal-signing-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a 0600 PEM file: key id = keyIdOf(public key), signatures verify with the public key', async () => {
    const path = join(dir, 'ok.pem');
    await writeSigningKeyFile(path, pair.privateKeyPem);
    const signer = await loadSigningKeyFile(path);
    expect(signer.keyId).toBe(pair.keyId);
    expect(signer.keyId).toBe(keyIdOf(signer.publicKeyPem));
    const bytes = Buffer.from('tree head bytes');
    expect(verify(null, bytes, signer.publicKeyPem, await signer.sign(bytes))).toBe(true);
    await expect(writeSigningKeyFile(path, pair.privateKeyPem)).rejects.toThrow(); // never overwrites
    await chmod(path, 0o400);
    await expect(loadSigningKeyFile(path)).resolves.toMatchObject({ keyId: pair.keyId });
  });

  it.each([0o644, 0o640, 0o604, 0o660])('refuses mode %o with a typed error that holds no key material', async (mode) => {
    const path = join(dir, `loose-${mode.toString(8)}.pem`);
    await writeFile(path, pair.privateKeyPem);
    await chmod(path, mode);
    const error = await loadSigningKeyFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningKeyLoadError);
    expect(error).toMatchObject({ reason: 'insecure_file_mode' });
    expect(String((error as Error).message)).not.toContain('PRIVATE');
  });

  it('reports a missing file, a public key and garbage as typed errors', async () => {
    await expect(loadSigningKeyFile(join(dir, 'missing.pem'))).rejects.toMatchObject({ reason: 'unreadable' });
    const pub = join(dir, 'public.pem');
    await writeFile(pub, pair.publicKeyPem, { mode: 0o600 });
    await expect(loadSigningKeyFile(pub)).rejects.toMatchObject({ reason: 'invalid_key' });
    expect(() => loadSigningKeyEnv('K', { K: 'not a key' })).toThrow(SigningKeyLoadError);
  });

  it('loads from an env var (default CARACAL_MERKLE_SIGNING_KEY); a file wins over it', async () => {
    expect(loadSigningKeyEnv('K', { K: pair.privateKeyPem }).keyId).toBe(pair.keyId);
    await expect(loadSigningKey({ env: { CARACAL_MERKLE_SIGNING_KEY: pair.privateKeyPem } })).resolves.toMatchObject({ keyId: pair.keyId });
    expect(() => loadSigningKeyEnv('K', {})).toThrow(expect.objectContaining({ reason: 'missing_env' }) as unknown as Error);
    const other = generateSigningKeyPair();
    const path = join(dir, 'other.pem');
    await writeSigningKeyFile(path, other.privateKeyPem);
    await expect(loadSigningKey({ file: path, env: { CARACAL_MERKLE_SIGNING_KEY: pair.privateKeyPem } })).resolves.toMatchObject({ keyId: other.keyId });
  });
});
