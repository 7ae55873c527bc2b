import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Authenticates events at write time (docs/leaf-format.md "Event authentication"): the writer
 * tags each event's bytes with HMAC-SHA256 under a key the database never holds, so a row that
 * someone inserts directly into the events table (a superuser, a stolen connection) carries no
 * valid tag and the sealer refuses to seal it.
 */
export interface EventAuthenticator {
  /** eventKeyIdOf(the key): stored with each event, names the key among rotated ones. */
  readonly keyId: string;
  /** HMAC-SHA256 of eventAuthenticationBytes(...), 32 bytes. */
  tag(bytes: Uint8Array): Buffer;
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
  return Buffer.from(
    `{"data":${event.dataText},"eventId":${JSON.stringify(event.eventId.toLowerCase())},"eventType":${JSON.stringify(event.eventType)},` +
      `"metadata":${event.metadataText},"schemaVersion":${event.schemaVersion},"streamId":${JSON.stringify(event.streamId)}}`,
    'utf8',
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
  return {
    keyId: eventKeyIdOf(secret),
    tag: (bytes) => createHmac('sha256', secret).update(bytes).digest(),
  };
}

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
  const expected = createHmac('sha256', key).update(eventAuthenticationBytes(event)).digest();
  return tag.length === expected.length && timingSafeEqual(tag, expected) ? 'ok' : 'mismatch';
}
