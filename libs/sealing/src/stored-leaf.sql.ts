import { recordedAtTextSql } from './merkle-heads.read.js';

/**
 * The leaf text of docs/leaf-format.md built by the database from the leaf's row (alias `l`) and
 * its event's (alias `e`): the same frame as storedLeafText (libs/merkle), so a verifier receives
 * one text per event and hashes it, with no assembly here. to_jsonb(text)::text escapes as
 * JSON.stringify does (RFC 8785 strings); every sealing and verification test compares the two.
 */
export function storedLeafTextSql(l = 'l', e = 'e'): string {
  return `'{"data":' || ${e}.data_text || ',"eventId":"' || ${e}.event_id::text || '","eventType":' || to_jsonb(${e}.event_type)::text
    || ',"globalPosition":"' || ${e}.global_position::text || '","merkleIndex":"' || ${l}.merkle_index::text
    || '","metadata":' || ${e}.metadata_text || ',"recordedAt":"' || ${recordedAtTextSql(`${e}.recorded_at`)}
    || '","schemaVersion":' || ${e}.schema_version::text || ',"streamId":' || to_jsonb(${e}.stream_id)::text
    || ',"streamPosition":"' || ${e}.stream_position::text || '"}'`;
}
