import { hash } from 'node:crypto';

/**
 * An event as the database stores it: the JSON text of data and metadata exactly as the writer
 * serialised them (RFC 8785), the other fields as columns. Positions as decimal text (pg int8),
 * recordedAt as "YYYY-MM-DDTHH:MM:SS.ffffffZ".
 */
export interface StoredEventLeaf {
  merkleIndex: string;
  globalPosition: string;
  streamId: string;
  streamPosition: string;
  eventId: string;
  eventType: string;
  schemaVersion: number;
  dataText: string;
  metadataText: string;
  recordedAt: string;
}

/**
 * The leaf bytes of a stored event: the stored data and metadata text inside a fixed frame of the
 * other fields (docs/leaf-format.md). For text the writer canonicalised, these are exactly the
 * bytes canonicalLeafBytes gives for the parsed event, so leaves sealed before the text was
 * stored keep verifying; but building them is concatenation, with no parse and no
 * canonicalisation. JSON.stringify of a string is RFC 8785's string form.
 */
export function storedLeafBytes(leaf: StoredEventLeaf): Buffer {
  return Buffer.from(storedLeafText(leaf), 'utf8');
}

/** storedLeafBytes as text (its UTF-8 encoding is the leaf's bytes). */
export function storedLeafText(leaf: StoredEventLeaf): string {
  return (
    `{"data":${leaf.dataText},"eventId":${jsonString(leaf.eventId)},"eventType":${jsonString(leaf.eventType)},` +
      `"globalPosition":"${leaf.globalPosition}","merkleIndex":"${leaf.merkleIndex}","metadata":${leaf.metadataText},` +
      `"recordedAt":"${leaf.recordedAt}","schemaVersion":${leaf.schemaVersion},"streamId":${jsonString(leaf.streamId)},` +
      `"streamPosition":"${leaf.streamPosition}"}`
  );
}

/**
 * storedLeafHash as hex, from the event's columns as a reader receives them: the frame is built
 * here (one string, hashed natively) instead of by the database, whose framing expressions cost
 * more than the whole read of the row (docs/benchmarks.md, issue 15). verify-range, one per event.
 */
export function storedLeafHashHex(leaf: StoredEventLeaf): string {
  return hash('sha256', `\u0000${storedLeafText(leaf)}`, 'hex');
}

// What JSON.stringify escapes in a string: `"`, `\`, U+0000–U+001F, and lone surrogates (matched
// here as any surrogate: a valid pair goes the slow way too and comes out unchanged).
// eslint-disable-next-line no-control-regex -- the control characters are what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(text) (RFC 8785 §3.2.2.2): stream ids, event types and event ids almost never
 * need an escape, and quoting them directly is a third of the cost of a leaf's frame.
 */
export function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** leafHash(storedLeafBytes(leaf)) (libs/merkle hash.ts). */
export function storedLeafHash(leaf: StoredEventLeaf): Buffer {
  return leafHashOfText(storedLeafText(leaf));
}

/**
 * leafHash of the UTF-8 encoding of `text` (a leaf's bytes as text, e.g. storedLeafText or the
 * same frame built by the database): SHA-256(0x00 ‖ UTF-8(text)), encoded and hashed natively.
 */
export function leafHashOfText(text: string): Buffer {
  return hash('sha256', `\u0000${text}`, 'buffer');
}
