import { randomBytes } from 'node:crypto';

/**
 * A new event id: a UUID version 7 (RFC 9562 §5.7), 48 bits of Unix milliseconds then 74 random
 * bits. Ids made one after another sort together, so the events table's unique index on event_id
 * takes each new one near its right edge, as it does the positions, instead of on a random page:
 * an insert costs the same with a billion events stored as with a thousand.
 */
export function newEventId(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  return uuidText(bytes);
}

/** 16 bytes as a UUID string, with the RFC 9562 variant bits set (the version nibble is the caller's). */
export function uuidText(bytes: Buffer): string {
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
