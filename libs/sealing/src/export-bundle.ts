import type { StoredEventLeaf, TreeHead } from '@caracal/merkle';
import type { UnsealedEvent } from './verification-report.js';

/** The bundle layout version in manifest.json; a verifier refuses a version it does not know. */
export const EXPORT_FORMAT_VERSION = 2;

/** The files of an export bundle (docs/sealing.md "Export bundle"); manifest.json holds their SHA-256. */
export const BUNDLE_FILES = {
  manifest: 'manifest.json',
  events: 'events.jsonl',
  heads: 'heads.jsonl',
  publicKeys: 'public-keys.json',
  proofs: 'proofs.json',
} as const;

export type BundleDataFile = Exclude<(typeof BUNDLE_FILES)[keyof typeof BUNDLE_FILES], 'manifest.json'>;

/**
 * The event fields a leaf commits to, as JSON carries them: positions as decimal strings,
 * recordedAt with microseconds (the proof endpoint's leaf, a line of events.jsonl).
 */
export interface EventLeafFields extends Omit<StoredEventLeaf, 'dataText' | 'metadataText'> {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/**
 * One line of events.jsonl (format 2): the event as stored — data and metadata as their stored
 * JSON text, the bytes the leaf hashes (docs/leaf-format.md) — plus the leaf hash as sealed. The
 * leaf hash only locates a differing event; trust comes from the root rebuilt from the leaves.
 */
export interface ExportedEvent extends StoredEventLeaf {
  leafHash: string;
}

/** One line of heads.jsonl: a signed head; the anchor is the head before the first exported batch. */
export interface ExportedHead extends TreeHead {
  role: 'anchor' | 'batch';
  signature: string;
  headHash: string;
}

/** proofs.json: the first head (the anchor, else the first batch) is a prefix of the last one. */
export interface ExportedProofs {
  consistency: {
    fromBatchId: string;
    toBatchId: string;
    fromTreeSize: number;
    toTreeSize: number;
    /** RFC 9162 §2.1.4.1 consistency proof, hex. */
    hashes: string[];
  } | null;
}

export interface ExportCounts {
  batches: number;
  events: number;
  /** Events whose recorded_at is in the range (sealed or not). */
  eventsInRange: number;
  unsealedEvents: number;
  publicKeys: number;
}

export interface BundleManifest {
  formatVersion: number;
  range: { start: string; end: string };
  createdAt: string;
  firstBatchId: string | null;
  lastBatchId: string | null;
  anchorBatchId: string | null;
  counts: ExportCounts;
  /** Events of the range not in a sealed batch when exported: not failures. */
  unsealed: UnsealedEvent[];
  /** File name → SHA-256 (hex) of its bytes. */
  files: Record<BundleDataFile, string>;
}

/** The export as a stream of records (GET /v1/merkle/export answers them as NDJSON, in this order). */
export type ExportRecord =
  | { kind: 'publicKey'; keyId: string; publicKeyPem: string }
  | ({ kind: 'head' } & ExportedHead)
  | ({ kind: 'event' } & ExportedEvent)
  | ({ kind: 'unsealed' } & UnsealedEvent)
  | ({ kind: 'proofs' } & ExportedProofs)
  | { kind: 'end'; formatVersion: number; range: { start: string; end: string }; createdAt: string; counts: ExportCounts };
