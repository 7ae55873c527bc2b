import { createHash, hash, timingSafeEqual } from 'node:crypto';

/**
 * Authenticates events at write time (docs/leaf-format.md "Event authentication"): the writer
 * tags each event's bytes with HMAC-SHA256 under a key the database never holds, so a row that
 * someone inserts directly into the events table (a superuser, a stolen connection) carries no
 * valid tag and the sealer refuses to seal it.
 */
export interface EventAuthenticator {
  /** eventKeyIdOf(the key): stored with each event, names the key among rotated ones. */
  readonly keyId: string;
  /** HMAC-SHA256 of eventAuthenticationBytes(...) (or of their text, eventAuthenticationText: its UTF-8), 32 bytes. */
  tag(bytes: Uint8Array | string): Buffer;
}

/** Key id → key: the current key and the retired ones whose events may still be unsealed. */
export type EventKeyring = ReadonlyMap<string, Uint8Array>;

/** The fields of an event its writer knows (positions and time are the database's). */
export interface AuthenticatedEventFields {
  eventId: string;
  eventType: string;
  schemaVersion: number;
  streamId: string;
  dataText: string;
  metadataText: string;
}

export const EVENT_KEY_LENGTH = 32;

/** An event key must be 32 random bytes. */
export class InvalidEventKeyError extends Error {
  constructor(detail: string) {
    super(`invalid event authentication key: ${detail}`);
    this.name = 'InvalidEventKeyError';
  }
}

/**
 * The bytes an event's tag covers: the RFC 8785 object {data, eventId, eventType, metadata,
 * schemaVersion, streamId} with data and metadata as their stored text. eventId in lowercase
 * (the uuid column's spelling), so writer and sealer agree whatever case the id was given in.
 */
export function eventAuthenticationBytes(event: AuthenticatedEventFields): Buffer {
  return Buffer.from(eventAuthenticationText(event), 'utf8');
}

/** eventAuthenticationBytes as text (the tag covers its UTF-8): what the writer hands to tag(). */
export function eventAuthenticationText(event: AuthenticatedEventFields): string {
  return (
    `{"data":${event.dataText},"eventId":${JSON.stringify(event.eventId.toLowerCase())},"eventType":${JSON.stringify(event.eventType)},` +
    `"metadata":${event.metadataText},"schemaVersion":${event.schemaVersion},"streamId":${JSON.stringify(event.streamId)}}`
  );
}

/** First 16 bytes (32 hex) of SHA-256("caracal-event-key" ‖ 0x00 ‖ key): names the key, reveals nothing of it. */
export function eventKeyIdOf(key: Uint8Array): string {
  return createHash('sha256').update('caracal-event-key\u0000').update(key).digest('hex').slice(0, 32);
}

/** An authenticator over a 32-byte key. */
export function eventAuthenticator(key: Uint8Array): EventAuthenticator {
  if (key.length !== EVENT_KEY_LENGTH) throw new InvalidEventKeyError(`expected ${EVENT_KEY_LENGTH} bytes, got ${key.length}`);
  const secret = Buffer.from(key);
  return { keyId: eventKeyIdOf(secret), tag: hmacSha256(secret) };
}

const SHA256_BLOCK = 64;
/** A UTF-16 code unit takes at most 3 bytes of UTF-8 (a pair: 4 bytes for 2 units). */
const MAX_UTF8_PER_UNIT = 3;

/**
 * HMAC-SHA256 under one key (RFC 2104: SHA-256((K ⊕ opad) ‖ SHA-256((K ⊕ ipad) ‖ m))), as two
 * one-shot hashes over buffers kept for the key: its padded blocks are computed once, and the
 * message is written into the buffer after the inner block, no copy of it made. createHmac set
 * up a context from the key for every event (~6 µs; this: ~2 µs, the two SHA-256 themselves).
 * The same bytes as createHmac('sha256', key) (event-authentication.spec.ts, leaf-vectors.json).
 */
export function hmacSha256(key: Uint8Array): (message: Uint8Array | string) => Buffer {
  const block = Buffer.alloc(SHA256_BLOCK);
  if (key.length > SHA256_BLOCK) hash('sha256', key, 'buffer').copy(block);
  else block.set(key);
  const pad = (byte: number) => Buffer.from(block.map((value) => value ^ byte));
  const innerPad = pad(0x36);
  // (K ⊕ opad) ‖ inner hash: the inner hash is written at the end for each message.
  const outer = Buffer.alloc(SHA256_BLOCK + 32);
  outer.set(pad(0x5c));
  // (K ⊕ ipad) ‖ message, grown to the largest message seen (Buffer.alloc: not a slice of the shared pool).
  const innerOf = (room: number) => {
    const buffer = Buffer.alloc(SHA256_BLOCK + room);
    buffer.set(innerPad);
    return buffer;
  };
  let inner = innerOf(1024);
  return (message) => {
    const room = typeof message === 'string' ? message.length * MAX_UTF8_PER_UNIT : message.length;
    if (inner.length < SHA256_BLOCK + room) inner = innerOf(room);
    let length: number;
    if (typeof message === 'string') {
      length = inner.write(message, SHA256_BLOCK, 'utf8');
    } else {
      inner.set(message, SHA256_BLOCK);
      length = message.length;
    }
    hash('sha256', inner.subarray(0, SHA256_BLOCK + length), 'buffer').copy(outer, SHA256_BLOCK);
    return hash('sha256', outer, 'buffer');
  };
}

/** hmacSha256 per keyring key (the sealer checks every event under the same few keys). */
const CHECKERS = new WeakMap<Uint8Array, (message: Uint8Array | string) => Buffer>();

export type EventTagCheck = 'ok' | 'missing' | 'unknown_key' | 'mismatch';

/** Whether `tag` (hex or bytes) is the HMAC of the event's bytes under the keyring's key `keyId`. */
export function checkEventTag(
  keyring: EventKeyring,
  event: AuthenticatedEventFields,
  keyId: string | null,
  tag: Uint8Array | null,
): EventTagCheck {
  if (keyId === null || tag === null) return 'missing';
  const key = keyring.get(keyId);
  if (key === undefined) return 'unknown_key';
  let tagOf = CHECKERS.get(key);
  if (tagOf === undefined) CHECKERS.set(key, (tagOf = hmacSha256(key)));
  const expected = tagOf(eventAuthenticationText(event));
  return tag.length === expected.length && timingSafeEqual(tag, expected) ? 'ok' : 'mismatch';
}
