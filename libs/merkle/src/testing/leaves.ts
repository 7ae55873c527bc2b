import { leafHash } from '../hash.js';

/** n distinct leaf hashes (leaf i hashes the text "leaf-i"): cheap, reproducible test trees. */
export function testLeaves(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf-${i}`)));
}

/** A copy of `hash` with one bit flipped. */
export function flipBit(hash: Uint8Array, bit: number): Buffer {
  const copy = Buffer.from(hash);
  copy[Math.floor(bit / 8) % copy.length] ^= 1 << bit % 8;
  return copy;
}

/** A small seeded generator (LCG) so sampled property tests name the same cases on every run. */
export function seededRandom(seed: number): (below: number) => number {
  let state = BigInt(seed);
  return (below) => {
    state = (state * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number((state >> 33n) % BigInt(below));
  };
}
