// The RFC 6962 §2.1 definitions written as literally as possible (recursive, slow): the tests
// compare the library's fast, iterative code against these.
import { createHash } from 'node:crypto';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

function k(n: number): number {
  let power = 1;
  while (power * 2 < n) power *= 2;
  return power;
}

/** MTH(D[n]) over leaf hashes. */
export function referenceMth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0];
  const split = k(leaves.length);
  return sha256(Buffer.from([1]), referenceMth(leaves.slice(0, split)), referenceMth(leaves.slice(split)));
}

/** PATH(m, D[n]). */
export function referencePath(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const split = k(leaves.length);
  return m < split
    ? [...referencePath(m, leaves.slice(0, split)), referenceMth(leaves.slice(split))]
    : [...referencePath(m - split, leaves.slice(split)), referenceMth(leaves.slice(0, split))];
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
export function referenceProof(m: number, leaves: readonly Buffer[]): Buffer[] {
  return subproof(m, leaves, true);
}

function subproof(m: number, leaves: readonly Buffer[], complete: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [referenceMth(leaves)];
  const split = k(n);
  return m <= split
    ? [...subproof(m, leaves.slice(0, split), complete), referenceMth(leaves.slice(split))]
    : [...subproof(m - split, leaves.slice(split), false), referenceMth(leaves.slice(0, split))];
}
