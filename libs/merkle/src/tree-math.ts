// Tree sizes and indexes are JS numbers up to 2^53 - 1. The bitwise operators work on 32 bits,
// so the shapes of proofs are computed with arithmetic (or BigInt where XOR is needed) instead.

/** True for a non-negative safe integer: the only thing a tree size or leaf index may be. */
export function isTreeSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The largest power of two strictly below n (n ≥ 2): RFC 6962's split point k. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** Number of set bits: the number of perfect subtrees in a compact range of that size. */
export function popCount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

function trailingZeros(n: number): number {
  let zeros = 0;
  for (let rest = n; rest > 0 && rest % 2 === 0; rest /= 2) zeros += 1;
  return zeros;
}

/**
 * Splits an inclusion proof for (index, size) into its "inner" part (levels where the leaf's
 * path and the right edge of the tree differ) and its "border" part (left siblings along the
 * right edge); the proof has inner + border nodes. Same decomposition as transparency-dev/merkle.
 */
function decomposeInclusion(index: number, size: number): { inner: number; border: number } {
  const inner = bitLength(BigInt(index) ^ BigInt(size - 1));
  const border = popCount(Math.floor(index / 2 ** inner));
  return { inner, border };
}

/** Exact length of the RFC 9162 inclusion proof of leaf `index` in a tree of `size` (index < size). */
export function inclusionProofLength(index: number, size: number): number {
  const { inner, border } = decomposeInclusion(index, size);
  return inner + border;
}

/** Exact length of the RFC 9162 consistency proof from size1 to size2 (0 < size1 < size2). */
export function consistencyProofLength(size1: number, size2: number): number {
  const { inner, border } = decomposeInclusion(size1 - 1, size2);
  const shift = trailingZeros(size1);
  // A power-of-two size1 is a complete subtree of size2: its root is the proof's implicit seed.
  const seed = isPowerOfTwo(size1) ? 0 : 1;
  return seed + (inner - shift) + border;
}
