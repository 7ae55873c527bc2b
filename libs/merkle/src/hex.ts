import { HASH_LENGTH } from './hash.js';
import { InvalidHashError } from './merkle.errors.js';

// Buffer.from(text, 'hex') silently stops at the first bad character; hashes read from storage or
// an export must be exact, so the text is checked first. Lowercase only: one spelling per hash
// keeps the canonical (signed) encodings unique.
const HASH_HEX = /^[0-9a-f]{64}$/;

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** True for the canonical text form of a hash: 64 lowercase hex digits. */
export function isHashHex(text: unknown): text is string {
  return typeof text === 'string' && HASH_HEX.test(text);
}

/** Reads a 32-byte hash from 64 lowercase hex digits; throws InvalidHashError otherwise. */
export function hashFromHex(text: string, what = 'hash'): Buffer {
  if (typeof text !== 'string' || !/^[0-9a-f]*$/.test(text)) throw new InvalidHashError(what, 'not_hex');
  if (text.length !== HASH_LENGTH * 2) throw new InvalidHashError(what, 'wrong_length');
  return Buffer.from(text, 'hex');
}
