import { describe, expect, it } from '@jest/globals';
import { canonicalJsonBytes, canonicalize } from './canonical-json.js';
import { CanonicalJsonError, type CanonicalJsonFailure } from './canonical-json.error.js';

function failure(value: unknown): { reason: CanonicalJsonFailure; path: string } {
  try {
    canonicalize(value);
  } catch (error) {
    if (error instanceof CanonicalJsonError) return { reason: error.reason, path: error.path };
    throw error;
  }
  throw new Error('expected a CanonicalJsonError');
}

describe('canonicalize (RFC 8785 JCS)', () => {
  it('sorts keys by UTF-16 code units: the RFC 8785 §3.2.3 example', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",' +
        '"\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    );
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('orders a surrogate pair (U+1F600 = D83D DE00) before U+FB33, by code units not code points', () => {
    expect(canonicalize({ '\ufb33': 1, '\u{1f600}': 2 })).toBe('{"\u{1f600}":2,"\ufb33":1}');
  });

  it('escapes strings as RFC 8785 §3.2.2.2 (the §3.2.2 example without its floats)', () => {
    const input = JSON.parse('{"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}');
    expect(canonicalize(input)).toBe('{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('escapes every control character as \\b \\t \\n \\f \\r or lowercase \\u00xx, and leaves DEL and non-ASCII alone', () => {
    expect(canonicalize('\u0000\u0008\u0009\u000a\u000b\u000c\u000d\u001f\u007f\u2028é')).toBe('"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\u007f\u2028é"');
  });

  it('writes integers in plain decimal, -0 as 0, and nests without whitespace', () => {
    expect(canonicalize({ b: [0, -0, 1, -1, 9007199254740991, -9007199254740991], a: { z: null, y: {} }, c: [] })).toBe(
      '{"a":{"y":{},"z":null},"b":[0,0,1,-1,9007199254740991,-9007199254740991],"c":[]}',
    );
    expect(canonicalJsonBytes({ k: 'ö' })).toEqual(Buffer.from('{"k":"ö"}', 'utf8'));
  });

  it.each<[string, unknown, CanonicalJsonFailure, string]>([
    ['a fraction', { amount: 1.5 }, 'not_an_integer', '$["amount"]'],
    ['NaN', [NaN], 'not_an_integer', '$[0]'],
    ['Infinity', Infinity, 'not_an_integer', '$'],
    ['an unsafe integer', { n: 2 ** 53 }, 'unsafe_integer', '$["n"]'],
    ['1e21', 1e21, 'unsafe_integer', '$'],
    ['a bigint', { n: 1n }, 'bigint', '$["n"]'],
    ['undefined', { a: { b: undefined } }, 'undefined', '$["a"]["b"]'],
    ['an array hole', [1, , 3], 'undefined', '$[1]'], // eslint-disable-line no-sparse-arrays
    ['a function', { f: () => 1 }, 'function', '$["f"]'],
    ['a symbol', [Symbol('s')], 'symbol', '$[0]'],
    ['a Date', { at: new Date(0) }, 'unsupported_object', '$["at"]'],
    ['a Map', new Map(), 'unsupported_object', '$'],
    ['a lone surrogate', { s: 'a\ud800b' }, 'lone_surrogate', '$["s"]'],
    ['a lone surrogate in a key', { '\udc00': 1 }, 'lone_surrogate', '$["\\udc00"]'],
  ])('rejects %s', (_name, value, reason, path) => {
    expect(failure(value)).toEqual({ reason, path });
  });

  it('orders members where a JS object would list them otherwise: array-index names, __proto__, out of order at any depth', () => {
    // Objects list array-index names first, in numeric order; RFC 8785 compares code units.
    expect(canonicalize({ b: 1, 10: 2, 9: 3, '1x': 4 })).toBe('{"10":2,"1x":4,"9":3,"b":1}');
    // An own __proto__ member (JSON.parse makes one) is data, not a prototype.
    expect(canonicalize(JSON.parse('{"z":0,"__proto__":{"b":1,"a":2},"a":[]}'))).toBe('{"__proto__":{"a":2,"b":1},"a":[],"z":0}');
    // In order at the top, out of order below (in an object and in an array); null prototypes too.
    const nested = Object.assign(Object.create(null) as Record<string, unknown>, { a: { d: 1, c: [{ f: 'x', e: 'y' }, 'z'] }, b: true });
    expect(canonicalize(nested)).toBe('{"a":{"c":[{"e":"y","f":"x"},"z"],"d":1},"b":true}');
  });

  it('leaves its input as it was', () => {
    const input = { z: { y: 1, x: 2 }, a: [{ c: 1, b: 2 }] };
    canonicalize(input);
    expect(JSON.stringify(input)).toBe('{"z":{"y":1,"x":2},"a":[{"c":1,"b":2}]}');
  });

  it('reports a refused value by its path wherever the value sits, after members that were fine', () => {
    expect(failure({ a: 'ok', b: [1, { c: 'ok', d: 1.5 }] })).toEqual({ reason: 'not_an_integer', path: '$["b"][1]["d"]' });
    expect(failure({ b: 'ok', a: '\ud800' })).toEqual({ reason: 'lone_surrogate', path: '$["a"]' });
  });

  it('rejects cycles but allows shared (non-cyclic) references', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(failure({ loop }).reason).toBe('cycle');
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('accepts null-prototype objects', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: 2 });
    expect(canonicalize(bare)).toBe('{"a":2,"b":1}');
  });
});
