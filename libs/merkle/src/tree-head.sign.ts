import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalTreeHeadBytes, validateTreeHead, type TreeHead } from './tree-head.js';
import { SigningKeyError, TreeHeadSignatureError, type TreeHeadSignatureFailure } from './tree-head.errors.js';

/** PEM texts of a new Ed25519 key pair: the private key as PKCS#8, the public key as SPKI. */
export interface SigningKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

/** A trusted public key: a KeyObject or SPKI PEM text. */
export type PublicKeyInput = KeyObject | string;

const SIGNATURE_HEX = /^[0-9a-f]{128}$/;

/** A new Ed25519 key pair. Storing it (file mode, env) is the caller's job: this lib does no I/O. */
export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/**
 * SHA-256 (hex) of the raw 32-byte Ed25519 public key (RFC 8032 encoding): independent of how the
 * key is wrapped (PEM, DER, JWK), so the same key always has the same id.
 */
export function keyIdOf(publicKey: PublicKeyInput): string {
  const key = ed25519PublicKey(publicKey);
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new SigningKeyError('the public key has no raw encoding');
  return createHash('sha256').update(Buffer.from(jwk.x, 'base64url')).digest('hex');
}

/**
 * Signs canonicalTreeHeadBytes(head) with Ed25519; returns the signature as 128 hex digits.
 * Validates the head first, and refuses a key whose id is not head.keyId — that head could never
 * verify.
 */
export function signTreeHead(head: TreeHead, privateKey: KeyObject | string): string {
  validateTreeHead(head);
  const key = typeof privateKey === 'string' ? parseKey(() => createPrivateKey(privateKey)) : privateKey;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError('expected an Ed25519 private key');
  const keyId = keyIdOf(createPublicKey(key));
  if (keyId !== head.keyId) throw new SigningKeyError(`key id ${keyId} does not match head.keyId ${head.keyId}`);
  return sign(null, canonicalTreeHeadBytes(head), key).toString('hex');
}

export type TreeHeadSignatureCheck = { ok: true; keyId: string } | { ok: false; reason: TreeHeadSignatureFailure; keyId: string };

/**
 * Verifies a head's signature with the key named by head.keyId among `publicKeys` (key id →
 * public key; every key ever used stays listed, so heads signed before a rotation still verify).
 * A key listed under an id that is not its own is a configuration error and throws
 * SigningKeyError, rather than letting one key vouch under another's name.
 */
export function verifyTreeHeadSignature(
  head: TreeHead,
  signature: string | Uint8Array,
  publicKeys: ReadonlyMap<string, PublicKeyInput>,
): TreeHeadSignatureCheck {
  const keyId = typeof head?.keyId === 'string' ? head.keyId : '';
  const listed = publicKeys.get(keyId);
  if (listed === undefined) return { ok: false, reason: 'unknown_key', keyId };
  const key = ed25519PublicKey(listed);
  if (keyIdOf(key) !== keyId) throw new SigningKeyError(`the key listed as ${keyId} has id ${keyIdOf(key)}`);

  const bytes = typeof signature === 'string' ? (SIGNATURE_HEX.test(signature) ? Buffer.from(signature, 'hex') : null) : signature;
  if (bytes === null || bytes.length !== 64) return { ok: false, reason: 'malformed_signature', keyId };
  let message: Buffer;
  try {
    message = canonicalTreeHeadBytes(head);
  } catch {
    return { ok: false, reason: 'malformed_head', keyId };
  }
  return verify(null, message, key, bytes) ? { ok: true, keyId } : { ok: false, reason: 'bad_signature', keyId };
}

/** verifyTreeHeadSignature, throwing TreeHeadSignatureError on failure. */
export function assertTreeHeadSignature(
  head: TreeHead,
  signature: string | Uint8Array,
  publicKeys: ReadonlyMap<string, PublicKeyInput>,
): void {
  const check = verifyTreeHeadSignature(head, signature, publicKeys);
  if (!check.ok) throw new TreeHeadSignatureError(check.reason, check.keyId);
}

function ed25519PublicKey(input: PublicKeyInput): KeyObject {
  const key = typeof input === 'string' ? parseKey(() => createPublicKey(input)) : input.type === 'private' ? createPublicKey(input) : input;
  if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  return key;
}

function parseKey(parse: () => KeyObject): KeyObject {
  try {
    return parse();
  } catch (error) {
    throw new SigningKeyError(`cannot read the key: ${(error as Error).message}`);
  }
}
