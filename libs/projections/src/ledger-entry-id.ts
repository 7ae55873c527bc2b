import { createHash } from 'node:crypto';

// A fixed namespace: entry ids are UUIDv5(namespace, event id), so the same charge event always
// yields the same entry id (replay is byte-identical) and entry ids never collide with event ids.
const LEDGER_NAMESPACE = Buffer.from('6f1c5e0a9b3d4e7f8a2b1c0d9e8f7a6b', 'hex');

/** The ledger entry id of a charge event: deterministic (RFC 9562 version 5). */
export function ledgerEntryId(eventId: string): string {
  const hash = createHash('sha1').update(LEDGER_NAMESPACE).update(Buffer.from(eventId.replaceAll('-', ''), 'hex')).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
