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
