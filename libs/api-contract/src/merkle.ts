// Merkle sealing (docs/api.md "Merkle", docs/sealing.md). Positions are decimal strings; sizes
// and indexes are JSON integers (safe: < 2^53 leaves).

/**
 * A sealed batch's tree head as signed (@caracal/merkle's TreeHead, which the CLI verifies these
 * with: tsc checks the two agree where the CLI passes one for the other).
 */
export interface MerkleTreeHead {
  batchId: string;
  treeSize: number;
  rootHash: string;
  firstIndex: number;
  lastIndex: number;
  firstRecordedAt: string;
  lastRecordedAt: string;
  /** Null only for the log's first batch. */
  previousHeadHash: string | null;
  timestamp: string;
  keyId: string;
  compactRange: { size: number; hashes: string[] };
}

/** A head with its Ed25519 signature and its hash as stored when sealed. */
export interface MerkleSignedHead {
  head: MerkleTreeHead;
  signature: string;
  headHash: string;
}

/** An item of GET /v1/merkle/batches: the head's fields flattened with signature and headHash. */
export type MerkleBatchHead = MerkleTreeHead & { signature: string; headHash: string };

/** A Merkle verification finding (docs/sealing.md "Verification"). */
export interface MerkleFailure {
  reason: string;
  batchId?: string;
  merkleIndex?: number;
  eventId?: string;
  globalPosition?: string;
  expected?: string;
  actual?: string;
  detail?: string;
}

export interface MerkleBatchVerification {
  batchId: string;
  ok: boolean;
  leavesChecked: number;
  failures: MerkleFailure[];
}

export interface MerkleRangeVerification {
  start: string;
  end: string;
  ok: boolean;
  batches: MerkleBatchVerification[];
  failures: MerkleFailure[];
  /** The first events not sealed yet (at most 100); totals.unsealedEvents counts them all. */
  unsealed: { eventId: string; globalPosition: string; recordedAt: string; merkleIndex: number | null }[];
  /** `unsealed` or the uncovered_event failures were cut at the list limit. */
  truncated: boolean;
  uncoveredEvents: number;
  totals: {
    batches: number;
    batchesOk: number;
    batchesFailed: number;
    missingBatches: number;
    events: number;
    sealedEvents: number;
    unsealedEvents: number;
    failures: number;
  };
}

/** One line of GET /v1/merkle/verify-range's NDJSON answer; the report is the last. */
export type MerkleRangeRecord =
  | { type: 'progress'; done: number; total: number }
  | { type: 'report'; report: MerkleRangeVerification }
  | { type: 'error'; error: string; message: string; request_id?: string };

/** The event fields a leaf commits to, as JSON carries them (recordedAt with microseconds). */
export interface MerkleLeaf {
  merkleIndex: string;
  globalPosition: string;
  streamId: string;
  streamPosition: string;
  eventId: string;
  eventType: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recordedAt: string;
}

/** GET /v1/merkle/proofs/inclusion (RFC 9162): the client checks it itself. */
export interface MerkleInclusionProof {
  /** Null when the event's row is gone: the proof still shows the leaf hash was sealed. */
  leaf: MerkleLeaf | null;
  leafHash: string;
  merkleIndex: number;
  eventBatchId: string;
  head: MerkleSignedHead;
  proof: string[];
}

/** GET /v1/merkle/proofs/consistency (RFC 9162). */
export interface MerkleConsistencyProof {
  from: MerkleSignedHead;
  to: MerkleSignedHead;
  proof: string[];
}

export interface MerkleKey {
  keyId: string;
  publicKeyPem: string;
  createdAt: string;
  retiredAt: string | null;
}
