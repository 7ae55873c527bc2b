import { CanonicalJsonError, type CanonicalJsonFailure } from './canonical-json.error.js';

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
  const ordered = inMemberOrder(value, 0);
  // JSON.stringify writes exactly RFC 8785's text for what inMemberOrder lets through, in one
  // native pass: the writer below built a string per member and per value (the gateway's events
  // were ~7% of its allocations, docs/benchmarks.md). Anything else, errors included, is the writer's.
  return ordered === WRITER ? write(value, [], []) : JSON.stringify(ordered);
}

/** inMemberOrder's answer for a value only the writer may judge. */
const WRITER = Symbol('writer');
/** Deeper than this goes to the writer, which also tells a cycle from deep data. */
const MAX_FAST_DEPTH = 32;

/**
 * The value with every object's members in RFC 8785 order (an object already in order is
 * returned as it is, one that is not as a copy in order), or WRITER when it holds anything but
 * safe integers, well-formed strings, booleans, null, arrays and plain objects, or a member name
 * that JSON.stringify would not keep in insertion order (an array index, which objects list
 * first in numeric order) or that an object literal would not store (`__proto__`).
 */
function inMemberOrder(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return LONE_SURROGATE.test(value) ? WRITER : value;
    case 'boolean':
      return value;
    case 'number':
      return Number.isSafeInteger(value) ? value : WRITER;
    case 'object':
      if (value === null) return null;
      if (depth >= MAX_FAST_DEPTH) return WRITER;
      return Array.isArray(value) ? arrayInMemberOrder(value, depth) : objectInMemberOrder(value, depth);
    default:
      return WRITER;
  }
}

function arrayInMemberOrder(items: readonly unknown[], depth: number): unknown {
  let copy: unknown[] | null = null;
  for (let i = 0; i < items.length; i += 1) {
    const item = items[i];
    const ordered = inMemberOrder(item, depth + 1);
    if (ordered === WRITER) return WRITER;
    if (ordered !== item) {
      copy ??= items.slice(0, i);
    }
    if (copy !== null) copy.push(ordered);
  }
  return copy ?? items;
}

function objectInMemberOrder(object: object, depth: number): unknown {
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) return WRITER;
  const record = object as Record<string, unknown>;
  const keys = Object.keys(record);
  let inOrder = true;
  for (let i = 1; i < keys.length && inOrder; i += 1) inOrder = keys[i - 1] < keys[i];
  // Members are added in order to a new object, which lists them in that order.
  let copy: Record<string, unknown> | null = inOrder ? null : {};
  if (!inOrder) sortedKeys(keys);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i];
    if (key === '__proto__' || isDigit(key.charCodeAt(0)) || !isWellFormedName(key)) return WRITER;
    const child = record[key];
    const ordered = inMemberOrder(child, depth + 1);
    if (ordered === WRITER) return WRITER;
    if (copy === null && ordered !== child) {
      copy = {};
      for (let j = 0; j < i; j += 1) copy[keys[j]] = record[keys[j]];
    }
    if (copy !== null) copy[key] = ordered;
  }
  return copy ?? object;
}

// Member names repeat (events have a few dozen): each is checked for lone surrogates once.
const WELL_FORMED_NAMES = new Set<string>();
const MAX_WELL_FORMED_NAMES = 1024;

function isWellFormedName(key: string): boolean {
  if (WELL_FORMED_NAMES.has(key)) return true;
  if (LONE_SURROGATE.test(key)) return false;
  if (WELL_FORMED_NAMES.size < MAX_WELL_FORMED_NAMES) WELL_FORMED_NAMES.add(key);
  return true;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The UTF-8 bytes of canonicalize(value): what gets hashed or signed. */
export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}

// Where the writer is: array indexes and member names from the root. Kept as a stack and turned
// into text only for an error, because building a path string per value cost more than the
// canonicalization itself (bench/merkle). `ancestors` is the stack of the objects being written,
// for cycle detection (shallow, so a linear scan beats a Set).
type Path = (string | number)[];

function fail(reason: CanonicalJsonFailure, path: Path): never {
  throw new CanonicalJsonError(reason, `$${path.map((segment) => `[${typeof segment === 'number' ? segment : JSON.stringify(segment)}]`).join('')}`);
}

function write(value: unknown, path: Path, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return writeString(value, path);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isInteger(value)) fail('not_an_integer', path);
      if (!Number.isSafeInteger(value)) fail('unsafe_integer', path);
      return String(value); // String(-0) is "0", as §3.2.2.3 requires
    case 'bigint':
      return fail('bigint', path);
    case 'undefined':
      return fail('undefined', path);
    case 'function':
      return fail('function', path);
    case 'symbol':
      return fail('symbol', path);
    case 'object':
      if (value === null) return 'null';
      if (ancestors.includes(value)) fail('cycle', path);
      ancestors.push(value);
      try {
        return Array.isArray(value) ? writeArray(value, path, ancestors) : writeObject(value, path, ancestors);
      } finally {
        ancestors.pop();
      }
  }
}

function writeString(text: string, path: Path): string {
  if (LONE_SURROGATE.test(text)) fail('lone_surrogate', path);
  // RFC 8785 §3.2.2.2 specifies exactly ECMAScript's JSON string escaping.
  return JSON.stringify(text);
}

function writeArray(items: readonly unknown[], path: Path, ancestors: object[]): string {
  let out = '[';
  // An index loop, not map(): map skips holes, which must be rejected as undefined.
  for (let i = 0; i < items.length; i += 1) {
    path.push(i);
    out += (i === 0 ? '' : ',') + write(items[i], path, ancestors);
    path.pop();
  }
  return `${out}]`;
}

function writeObject(object: object, path: Path, ancestors: object[]): string {
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) fail('unsupported_object', path);
  const record = object as Record<string, unknown>;
  const keys = sortedKeys(Object.keys(record));
  let out = '{';
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i];
    path.push(key);
    out += `${i === 0 ? '' : ','}${quotedKey(key, path)}:${write(record[key], path, ancestors)}`;
    path.pop();
  }
  return `${out}}`;
}

// Events repeat the same few dozen member names; quoting each anew was a string per member per
// event on the gateway's hot path. Bounded, so member names from open-ended data cannot grow it.
const QUOTED_KEYS = new Map<string, string>();
const MAX_QUOTED_KEYS = 1024;

function quotedKey(key: string, path: Path): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = writeString(key, path);
    if (QUOTED_KEYS.size < MAX_QUOTED_KEYS) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}

/**
 * Member names in UTF-16 code unit order (RFC 8785 §3.2.3), which is what `<` on strings and
 * Array.prototype.sort without a comparator both compare. Events have a dozen members or fewer
 * per object: an in-place insertion sort, where sort() allocated a work area for every object.
 */
function sortedKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i += 1) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j -= 1;
    }
    keys[j + 1] = key;
  }
  return keys;
}
