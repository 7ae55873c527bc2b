export { HASH_LENGTH, emptyTreeHash, hashesEqual, leafHash, nodeHash } from './hash.js';
export { hashFromHex, isHashHex, toHex } from './hex.js';
export { InvalidCompactRangeError, InvalidHashError, MerkleRangeError, type InvalidCompactRangeReason, type InvalidHashReason } from './merkle.errors.js';
export { merkleTreeHash } from './merkle-tree-hash.js';
export { MerkleTree } from './merkle-tree.js';
export { CompactRange, type SerializedCompactRange } from './compact-range.js';
export { checkInclusion, inclusionProof, verifyInclusion, type InclusionCheck, type InclusionFailure } from './inclusion-proof.js';
export { checkConsistency, consistencyProof, verifyConsistency, type ConsistencyCheck, type ConsistencyFailure } from './consistency-proof.js';
export { consistencyProofLength, inclusionProofLength } from './tree-math.js';
export { canonicalJsonBytes, canonicalize, type JsonValue } from './canonical-json.js';
export { CanonicalJsonError, type CanonicalJsonFailure } from './canonical-json.error.js';
export { InvalidTimestampError, canonicalNow, canonicalTimestamp } from './timestamp.js';
export { InvalidEventLeafError, canonicalLeafBytes, eventLeafHash, type EventLeafInput, type InvalidEventLeafReason } from './event-leaf.js';
export { canonicalTreeHeadBytes, headHash, validateTreeHead, type SignedTreeHead, type TreeHead } from './tree-head.js';
export {
  assertTreeHeadSignature, generateSigningKeyPair, keyIdOf, signTreeHead, verifyTreeHeadSignature,
  type PublicKeyInput, type SigningKeyPair, type TreeHeadSignatureCheck,
} from './tree-head.sign.js';
export { InvalidTreeHeadError, SigningKeyError, TreeHeadSignatureError, type TreeHeadSignatureFailure } from './tree-head.errors.js';
export { leafHashOfText, storedLeafBytes, storedLeafHash, storedLeafHashHex, storedLeafText, type StoredEventLeaf } from './stored-event-leaf.js';
