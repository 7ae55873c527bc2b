import { randomUUID } from 'node:crypto';

/**
 * A new event id: a UUID version 7 (RFC 9562 §5.7), 48 bits of Unix milliseconds then 74 random
 * bits. Ids made one after another sort together, so the events table's unique index on event_id
 * takes each new one near its right edge, as it does the positions, instead of on a random page:
 * an insert costs the same with a billion events stored as with a thousand.
 */
export function newEventId(nowMs: number = Date.now()): string {
  // The random part is taken from a version 4 UUID, whose bits after its version nibble are the
  // 74 random bits version 7 needs (its variant bits included): randomUUID draws from Node's
  // pooled entropy, where randomBytes(16) was a synchronous call into OpenSSL per event.
  const random = randomUUID();
  const time = nowMs.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}

/** 16 bytes as a UUID string, with the RFC 9562 variant bits set (the version nibble is the caller's). */
export function uuidText(bytes: Buffer): string {
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
