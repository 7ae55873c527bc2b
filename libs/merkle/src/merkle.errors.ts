export type InvalidHashReason = 'wrong_length' | 'not_hex';

/** A hash argument that is not 32 bytes (or not lowercase hex): hashing on regardless would hide a caller bug. */
export class InvalidHashError extends Error {
  constructor(
    readonly what: string,
    readonly reason: InvalidHashReason,
  ) {
    super(`Invalid ${what}: ${reason === 'wrong_length' ? 'expected a 32-byte SHA-256 hash' : 'expected lowercase hex'}`);
    this.name = 'InvalidHashError';
  }
}

/** A leaf index or tree size outside what the tree holds (proof generation, subtree lookups). */
export class MerkleRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MerkleRangeError';
  }
}

export type InvalidCompactRangeReason = 'invalid_size' | 'wrong_hash_count' | 'invalid_hash';

/** A serialised compact range that cannot be a compact range of [0, size): rejected, not repaired. */
export class InvalidCompactRangeError extends Error {
  constructor(
    readonly reason: InvalidCompactRangeReason,
    detail: string,
  ) {
    super(`Invalid compact range (${reason}): ${detail}`);
    this.name = 'InvalidCompactRangeError';
  }
}
