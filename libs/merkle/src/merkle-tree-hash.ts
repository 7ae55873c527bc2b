import { HASH_LENGTH, asBuffer, emptyTreeHash, nodeHash } from './hash.js';
import { InvalidHashError } from './merkle.errors.js';

/**
 * MTH(D[n]) of RFC 6962 §2.1 over n leaf hashes, in O(n) hashes and without recursion.
 *
 * Reduces level by level: adjacent pairs are combined and an unpaired last node is carried up
 * unchanged. That builds exactly the RFC's tree (split at the largest power of two below n):
 * every left subtree the RFC forms is complete, so the only node without a sibling at a level
 * is the right edge, which the RFC also hashes later, never duplicates.
 */
export function merkleTreeHash(leafHashes: readonly Uint8Array[]): Buffer {
  if (leafHashes.length === 0) return emptyTreeHash();
  // nodeHash checks lengths as it combines; a lone leaf is never combined, so check it here.
  if (leafHashes.length === 1 && leafHashes[0].length !== HASH_LENGTH) throw new InvalidHashError('leaf hash', 'wrong_length');
  let level: Buffer[] = leafHashes.map(asBuffer);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return Buffer.from(level[0]);
}
