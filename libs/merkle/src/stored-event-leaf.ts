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
    `{"data":${leaf.dataText},"eventId":${JSON.stringify(leaf.eventId)},"eventType":${JSON.stringify(leaf.eventType)},` +
      `"globalPosition":"${leaf.globalPosition}","merkleIndex":"${leaf.merkleIndex}","metadata":${leaf.metadataText},` +
      `"recordedAt":"${leaf.recordedAt}","schemaVersion":${leaf.schemaVersion},"streamId":${JSON.stringify(leaf.streamId)},` +
      `"streamPosition":"${leaf.streamPosition}"}`
  );
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
