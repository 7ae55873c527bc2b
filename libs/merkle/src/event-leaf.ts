import { canonicalJsonBytes } from './canonical-json.js';
import { CanonicalJsonError } from './canonical-json.error.js';
import { leafHash } from './hash.js';
import { InvalidTimestampError, canonicalTimestamp } from './timestamp.js';

/** The event fields a leaf commits to. Positions come as bigint (store), number or decimal text (pg int8). */
export interface EventLeafInput {
  merkleIndex: bigint | number | string;
  globalPosition: bigint | number | string;
  streamId: string;
  streamPosition: bigint | number | string;
  eventId: string;
  eventType: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recordedAt: Date | string;
}

export type InvalidEventLeafReason = 'not_a_position' | 'not_a_string' | 'not_a_schema_version' | 'not_an_object' | 'invalid_json' | 'invalid_timestamp';

/** An event that cannot be turned into leaf bytes; `field` names which part. */
export class InvalidEventLeafError extends Error {
  constructor(
    readonly field: string,
    readonly reason: InvalidEventLeafReason,
    detail: string,
  ) {
    super(`Cannot build the Merkle leaf: ${field} ${detail}`);
    this.name = 'InvalidEventLeafError';
  }
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * The bytes a leaf hashes: RFC 8785 JCS of exactly these members (sorted by JCS, listed here in
 * that order), UTF-8:
 *
 *   data            object, as stored (JCS: integers only, no floats)
 *   eventId         string
 *   eventType       string
 *   globalPosition  decimal string, e.g. "42" — positions are int8 and may exceed 2^53
 *   merkleIndex     decimal string
 *   metadata        object, as stored
 *   recordedAt      "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC, six fraction digits; see canonicalTimestamp)
 *   schemaVersion   JSON integer
 *   streamId        string
 *   streamPosition  decimal string
 *
 * Decimal strings are canonical: no sign, no leading zeros ("0" is allowed).
 */
export function canonicalLeafBytes(event: EventLeafInput): Buffer {
  const leaf = {
    data: object(event.data, 'data'),
    eventId: text(event.eventId, 'eventId'),
    eventType: text(event.eventType, 'eventType'),
    globalPosition: decimal(event.globalPosition, 'globalPosition'),
    merkleIndex: decimal(event.merkleIndex, 'merkleIndex'),
    metadata: object(event.metadata, 'metadata'),
    recordedAt: timestamp(event.recordedAt),
    schemaVersion: schemaVersion(event.schemaVersion),
    streamId: text(event.streamId, 'streamId'),
    streamPosition: decimal(event.streamPosition, 'streamPosition'),
  };
  try {
    return canonicalJsonBytes(leaf);
  } catch (error) {
    if (error instanceof CanonicalJsonError) {
      throw new InvalidEventLeafError(error.path.replace(/^\$\["(\w+)"\]/, '$1'), 'invalid_json', error.message);
    }
    throw error;
  }
}

/** leafHash(canonicalLeafBytes(event)): the event's leaf in the log's Merkle tree. */
export function eventLeafHash(event: EventLeafInput): Buffer {
  return leafHash(canonicalLeafBytes(event));
}

function decimal(value: bigint | number | string, field: string): string {
  if (typeof value === 'bigint' && value >= 0n) return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && DECIMAL.test(value)) return value;
  throw new InvalidEventLeafError(field, 'not_a_position', `must be a non-negative integer (bigint, safe number or canonical decimal string), got ${String(value)}`);
}

function text(value: string, field: string): string {
  if (typeof value !== 'string') throw new InvalidEventLeafError(field, 'not_a_string', 'must be a string');
  return value;
}

function schemaVersion(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidEventLeafError('schemaVersion', 'not_a_schema_version', `must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

function object(value: Record<string, unknown>, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEventLeafError(field, 'not_an_object', 'must be a JSON object');
  }
  return value;
}

function timestamp(value: Date | string): string {
  try {
    return canonicalTimestamp(value);
  } catch (error) {
    if (error instanceof InvalidTimestampError) throw new InvalidEventLeafError('recordedAt', 'invalid_timestamp', error.message);
    throw error;
  }
}
