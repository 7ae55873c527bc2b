import { leafHash } from './hash.js';

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
  return Buffer.from(
    `{"data":${leaf.dataText},"eventId":${JSON.stringify(leaf.eventId)},"eventType":${JSON.stringify(leaf.eventType)},` +
      `"globalPosition":"${leaf.globalPosition}","merkleIndex":"${leaf.merkleIndex}","metadata":${leaf.metadataText},` +
      `"recordedAt":"${leaf.recordedAt}","schemaVersion":${leaf.schemaVersion},"streamId":${JSON.stringify(leaf.streamId)},` +
      `"streamPosition":"${leaf.streamPosition}"}`,
    'utf8',
  );
}

/** leafHash(storedLeafBytes(leaf)). */
export function storedLeafHash(leaf: StoredEventLeaf): Buffer {
  return leafHash(storedLeafBytes(leaf));
}
