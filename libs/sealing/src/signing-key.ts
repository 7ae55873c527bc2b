import { createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { generateSigningKeyPair, keyIdOf } from '@caracal/merkle';

/**
 * Signs tree heads. The sealer only sees this interface, so the private key stays with whoever
 * built the signer (a file, an env var, later an HSM or KMS) and never reaches the database.
 */
export interface MerkleSigner {
  /** hex SHA-256 of the raw 32-byte Ed25519 public key (libs/merkle keyIdOf). */
  readonly keyId: string;
  /** SPKI PEM of the public key: registered in merkle_keys so heads verify without the signer. */
  readonly publicKeyPem: string;
  /** Ed25519 signature (64 bytes) of the bytes. */
  sign(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /**
   * Picks up a rotated key (a file signer re-reads its file when it changed); the sealer awaits
   * it before each seal, so keyId, publicKeyPem and sign then all use the current key.
   */
  refresh?(): Promise<void>;
}

/** Default env var holding the private key's PEM text (PKCS#8). */
export const SIGNING_KEY_ENV = 'CARACAL_MERKLE_SIGNING_KEY';

export type SigningKeyLoadReason = 'insecure_file_mode' | 'not_a_file' | 'unreadable' | 'missing_env' | 'invalid_key' | 'cannot_keep_old_key';

/** A signing key that cannot be loaded; the message never contains key material. */
export class SigningKeyLoadError extends Error {
  constructor(
    readonly reason: SigningKeyLoadReason,
    readonly source: string,
    detail: string,
  ) {
    super(`Cannot load the Merkle signing key from ${source}: ${detail}`);
    this.name = 'SigningKeyLoadError';
  }
}

/** A signer over an Ed25519 private key (PKCS#8 PEM text or KeyObject). */
export function signerFromPrivateKey(privateKey: string | KeyObject, source = 'a private key'): MerkleSigner {
  let key: KeyObject;
  try {
    key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  } catch {
    throw new SigningKeyLoadError('invalid_key', source, 'not a PEM private key');
  }
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyLoadError('invalid_key', source, `expected an Ed25519 private key, got ${key.asymmetricKeyType ?? key.type}`);
  }
  const publicKey = createPublicKey(key);
  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (bytes) => sign(null, bytes, key),
  };
}

/**
 * Loads the private key from a PEM file. The file must be a regular file that neither group nor
 * others can read or write (mode 0600, 0400 or stricter), else `insecure_file_mode`.
 */
export async function loadSigningKeyFile(path: string): Promise<MerkleSigner> {
  const source = `file ${path}`;
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new SigningKeyLoadError('unreadable', source, (error as NodeJS.ErrnoException).code ?? 'cannot stat');
  }
  if (!info.isFile()) throw new SigningKeyLoadError('not_a_file', source, 'not a regular file');
  if ((info.mode & 0o077) !== 0) {
    throw new SigningKeyLoadError('insecure_file_mode', source, `mode ${(info.mode & 0o777).toString(8).padStart(4, '0')} lets group or others access it; chmod 600 it`);
  }
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new SigningKeyLoadError('unreadable', source, (error as NodeJS.ErrnoException).code ?? 'cannot read');
  }
  return signerFromPrivateKey(pem, source);
}

/** Loads the private key from an env var's PEM text (default CARACAL_MERKLE_SIGNING_KEY). */
export function loadSigningKeyEnv(name: string = SIGNING_KEY_ENV, env: NodeJS.ProcessEnv = process.env): MerkleSigner {
  const source = `env ${name}`;
  const pem = env[name];
  if (pem === undefined || pem.trim() === '') throw new SigningKeyLoadError('missing_env', source, 'not set');
  return signerFromPrivateKey(pem, source);
}

/** A file path wins over the env var; one of them must be given. */
export async function loadSigningKey(options: { file?: string; envVar?: string; env?: NodeJS.ProcessEnv }): Promise<MerkleSigner> {
  if (options.file !== undefined) return loadSigningKeyFile(options.file);
  return loadSigningKeyEnv(options.envVar ?? SIGNING_KEY_ENV, options.env ?? process.env);
}

/** Writes a private key PEM to a new file with mode 0600 (refuses to overwrite: flag 'wx'). */
export async function writeSigningKeyFile(path: string, privateKeyPem: string): Promise<void> {
  await writeFile(path, privateKeyPem, { mode: 0o600, flag: 'wx' });
}

/**
 * loadSigningKeyFile, re-read by refresh() whenever the file was replaced or changed (inode, size,
 * mtime, ctime): `caracal merkle key rotate` renames a new key into place and the running sealer
 * signs its next head with it, without a restart. A replacement that cannot be loaded (bad mode,
 * not a key) is reported through `warn` once and the previous key stays in use: it is still
 * registered, so heads signed with it verify.
 */
export async function loadRefreshingSigningKeyFile(path: string, options: { warn?: (message: string) => void } = {}): Promise<MerkleSigner> {
  const fingerprint = async (): Promise<string> => {
    const info = await stat(path);
    return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
  };
  let seen = await fingerprint();
  let current = await loadSigningKeyFile(path);
  let reported: string | null = null;
  return {
    get keyId() {
      return current.keyId;
    },
    get publicKeyPem() {
      return current.publicKeyPem;
    },
    sign: (bytes) => current.sign(bytes),
    async refresh() {
      try {
        const now = await fingerprint();
        if (now === seen) return;
        current = await loadSigningKeyFile(path);
        seen = now;
      } catch (error) {
        const message = (error as Error).message;
        if (reported !== message) (options.warn ?? console.warn)(`${message}; still signing with key ${current.keyId}`);
        reported = message;
      }
    },
  };
}

/** What rotateSigningKeyFile did: the old key is kept under `retiredPath`. */
export interface SigningKeyRotation {
  oldKeyId: string;
  newKeyId: string;
  newPublicKeyPem: string;
  retiredPath: string;
}

/**
 * Replaces the signing key file `path` with a new Ed25519 key. The old key stays (mode kept,
 * 0600) as `<path>.<first 16 hex of its key id>.retired`, hard-linked before the new key is
 * renamed over `path`, so `path` always holds a complete key and a sealer refreshing from it
 * never sees it missing. The new key goes through a 0600 temp file beside it (same filesystem:
 * the rename is atomic).
 */
export async function rotateSigningKeyFile(path: string): Promise<SigningKeyRotation> {
  const old = await loadSigningKeyFile(path);
  const pair = generateSigningKeyPair();
  const retiredPath = `${path}.${old.keyId.slice(0, 16)}.retired`;
  const tempPath = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeSigningKeyFile(tempPath, pair.privateKeyPem);
  try {
    await link(path, retiredPath);
  } catch (error) {
    await unlink(tempPath);
    const code = (error as NodeJS.ErrnoException).code ?? 'cannot link';
    throw new SigningKeyLoadError('cannot_keep_old_key', `file ${path}`, `cannot keep the old key as ${retiredPath} (${code}); nothing was changed`);
  }
  await rename(tempPath, path);
  return { oldKeyId: old.keyId, newKeyId: pair.keyId, newPublicKeyPem: pair.publicKeyPem, retiredPath };
}
