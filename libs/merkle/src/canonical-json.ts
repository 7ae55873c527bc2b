import { CanonicalJsonError } from './canonical-json.error.js';

/** The JSON this project hashes: no floats (RFC 8785 number serialisation is never exercised). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// With the u flag a valid surrogate pair is one code point, so only lone surrogates match.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), as text. One spelling per value, so equal values
 * always hash equally:
 * - object members sorted by key, comparing UTF-16 code units (§3.2.3) — JS's default sort order;
 * - no whitespace;
 * - strings escaped as ECMAScript JSON.stringify does (§3.2.2.2: `\"`, `\\`, `\b \t \n \f \r`,
 *   other U+0000–U+001F as lowercase `\u00xx`, everything else literal);
 * - numbers: only safe integers are accepted, whose ES serialisation (§3.2.2.3) is plain
 *   decimal (-0 → "0"). Other numbers, bigint, undefined, functions, symbols, non-plain objects,
 *   lone surrogates and cycles throw CanonicalJsonError rather than being dropped or coerced as
 *   JSON.stringify would (a silently dropped field would be unprotected by the hash).
 */
export function canonicalize(value: unknown): string {
  return write(value, '$', new Set());
}

/** The UTF-8 bytes of canonicalize(value): what gets hashed or signed. */
export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}

function write(value: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return writeString(value, path);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isInteger(value)) throw new CanonicalJsonError('not_an_integer', path);
      if (!Number.isSafeInteger(value)) throw new CanonicalJsonError('unsafe_integer', path);
      return String(value); // String(-0) is "0", as §3.2.2.3 requires
    case 'bigint':
      throw new CanonicalJsonError('bigint', path);
    case 'undefined':
      throw new CanonicalJsonError('undefined', path);
    case 'function':
      throw new CanonicalJsonError('function', path);
    case 'symbol':
      throw new CanonicalJsonError('symbol', path);
    case 'object':
      if (value === null) return 'null';
      if (ancestors.has(value)) throw new CanonicalJsonError('cycle', path);
      ancestors.add(value);
      try {
        return Array.isArray(value) ? writeArray(value, path, ancestors) : writeObject(value, path, ancestors);
      } finally {
        ancestors.delete(value);
      }
  }
}

function writeString(text: string, path: string): string {
  if (LONE_SURROGATE.test(text)) throw new CanonicalJsonError('lone_surrogate', path);
  // RFC 8785 §3.2.2.2 specifies exactly ECMAScript's JSON string escaping.
  return JSON.stringify(text);
}

function writeArray(items: readonly unknown[], path: string, ancestors: Set<object>): string {
  const parts: string[] = [];
  // An index loop, not map(): map skips holes, which must be rejected as undefined.
  for (let i = 0; i < items.length; i += 1) parts.push(write(items[i], `${path}[${i}]`, ancestors));
  return `[${parts.join(',')}]`;
}

function writeObject(object: object, path: string, ancestors: Set<object>): string {
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) throw new CanonicalJsonError('unsupported_object', path);
  const record = object as Record<string, unknown>;
  // Array.prototype.sort without a comparator orders by UTF-16 code units: RFC 8785 §3.2.3.
  const keys = Object.keys(record).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const memberPath = `${path}[${JSON.stringify(key)}]`;
    parts.push(`${writeString(key, memberPath)}:${write(record[key], memberPath, ancestors)}`);
  }
  return `{${parts.join(',')}}`;
}
