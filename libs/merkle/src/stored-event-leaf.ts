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
 * here (encoded into one buffer, hashed natively) instead of by the database, whose framing expressions cost
 * more than the whole read of the row (docs/benchmarks.md, issue 15). verify-range, one per event.
 */
export function storedLeafHashHex(leaf: StoredEventLeaf): string {
  // The frame is encoded straight into a buffer kept for it, piece by piece: no leaf-sized string
  // is made (concatenated, then flattened for the hash) per event; what a row allocates is the
  // texts the driver decoded.
  const { dataText, metadataText } = leaf;
  // At most this many bytes (the buffer must hold them all: write() stops at its end).
  const most = FRAME_PREFIX.length + FRAME_NAMES + (dataText.length + metadataText.length) * MAX_UTF8_PER_UNIT +
    (leaf.eventId.length + leaf.eventType.length + leaf.streamId.length) * MAX_ESCAPED_PER_UNIT +
    leaf.globalPosition.length + leaf.merkleIndex.length + leaf.recordedAt.length + leaf.streamPosition.length + 24;
  if (scratch.length < most) scratch = frameBuffer(most);
  let end = FRAME_PREFIX.length;
  end += scratch.write(dataText, end, 'utf8');
  end += scratch.write(`,"eventId":${jsonString(leaf.eventId)},"eventType":${jsonString(leaf.eventType)},` +
    `"globalPosition":"${leaf.globalPosition}","merkleIndex":"${leaf.merkleIndex}","metadata":`, end, 'utf8');
  end += scratch.write(metadataText, end, 'utf8');
  end += scratch.write(`,"recordedAt":"${leaf.recordedAt}","schemaVersion":${leaf.schemaVersion},` +
    `"streamId":${jsonString(leaf.streamId)},"streamPosition":"${leaf.streamPosition}"}`, end, 'utf8');
  return hash('sha256', scratch.subarray(0, end), 'hex');
}

/** 0x00 (the leaf prefix) and the frame's first member, written once at the start of the buffer. */
const FRAME_PREFIX = '\u0000{"data":';
/** A UTF-16 code unit is at most 3 bytes of UTF-8; an escaped one (\u00xx) 6 characters. */
const MAX_UTF8_PER_UNIT = 3;
const MAX_ESCAPED_PER_UNIT = 6;
/** The frame's member names, quotes and separators (fewer than this many bytes). */
const FRAME_NAMES = 160;

function frameBuffer(size: number): Buffer {
  const buffer = Buffer.alloc(size);
  buffer.write(FRAME_PREFIX, 0, 'latin1');
  return buffer;
}

let scratch = frameBuffer(4096);

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
