export type CanonicalJsonFailure =
  | 'not_an_integer'
  | 'unsafe_integer'
  | 'bigint'
  | 'undefined'
  | 'function'
  | 'symbol'
  | 'unsupported_object'
  | 'lone_surrogate'
  | 'cycle';

const EXPLANATIONS: Record<CanonicalJsonFailure, string> = {
  not_an_integer: 'only integers are allowed (no fractions, NaN or Infinity): floating-point text is not reproducible enough to hash',
  unsafe_integer: 'integers must be within ±(2^53 - 1); write larger numbers as decimal strings',
  bigint: 'bigint is not JSON; write it as a decimal string',
  undefined: 'undefined is not JSON (also: array holes, properties set to undefined)',
  function: 'functions are not JSON',
  symbol: 'symbols are not JSON',
  unsupported_object: 'only plain objects and arrays are allowed (no Date, Map, Buffer or class instances)',
  lone_surrogate: 'strings must be well-formed Unicode (I-JSON): a lone surrogate has no UTF-8 encoding',
  cycle: 'the value contains itself',
};

/** A value RFC 8785 (restricted to this project's event JSON) cannot encode; `path` says where. */
export class CanonicalJsonError extends Error {
  constructor(
    readonly reason: CanonicalJsonFailure,
    readonly path: string,
  ) {
    super(`Cannot canonicalize ${path}: ${EXPLANATIONS[reason]}`);
    this.name = 'CanonicalJsonError';
  }
}
