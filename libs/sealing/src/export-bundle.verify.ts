import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { checkConsistency, hashFromHex, keyIdOf, storedLeafText, type PublicKeyInput } from '@caracal/merkle';
import { checkBatch, checkSignature, type BatchLeaf, type CheckedHead, type PublicKeys } from './batch.check.js';
import {
  BUNDLE_FILES, EXPORT_FORMAT_VERSION, type BundleDataFile, type BundleManifest, type ExportedEvent, type ExportedHead, type ExportedProofs,
} from './export-bundle.js';
import { ExportBundleError } from './export-bundle.errors.js';
import type { BatchVerification, RangeFailureReason, UnsealedEvent, VerificationFailure } from './verification-report.js';

/** Findings of the bundle itself, beyond those of its batches. */
export type ExportFailureReason = RangeFailureReason | 'file_hash_mismatch' | 'malformed_line' | 'proof_invalid';

export interface ExportVerification {
  dir: string;
  ok: boolean;
  range: { start: string; end: string };
  /** Whose public keys the signatures were checked with: the bundle's, or only the auditor's own. */
  keys: 'bundle' | 'trusted';
  batches: BatchVerification[];
  failures: VerificationFailure<ExportFailureReason>[];
  unsealed: UnsealedEvent[];
  totals: { batches: number; batchesOk: number; batchesFailed: number; missingBatches: number; events: number; unsealedEvents: number; failures: number };
}

export interface ExportVerifyOptions {
  /** SPKI PEM texts: when given, ONLY these keys are trusted and public-keys.json is ignored. */
  trustedPublicKeys?: readonly string[];
}

type Failure = VerificationFailure<ExportFailureReason>;

/**
 * verify-export: checks an export bundle directory with no database and no server — the file
 * hashes against the manifest, every head's signature (with the bundle's keys or only the trusted
 * ones), the chain from the anchor, every batch with checkBatch (leaves re-derived from
 * events.jsonl, streamed batch by batch so memory stays bounded by a batch), dense contiguous
 * indexes, the consistency proof from the anchor (or first) head to the last, and that every
 * event is covered by a head. See docs/sealing.md "Offline verification".
 */
export async function verifyExportBundle(dir: string, options: ExportVerifyOptions = {}): Promise<ExportVerification> {
  const manifest = await readManifest(dir);
  const failures: Failure[] = [];
  for (const [file, expected] of Object.entries(manifest.files) as Array<[BundleDataFile, string]>) {
    const actual = await fileHash(join(dir, file));
    if (actual !== expected) failures.push({ reason: 'file_hash_mismatch', expected, actual: String(actual), detail: `${file}: SHA-256 differs from manifest.json` });
  }

  const keys = options.trustedPublicKeys === undefined ? await bundleKeys(dir, failures) : trustedKeys(options.trustedPublicKeys);
  const { anchor, heads } = await readHeads(dir, failures);
  if (anchor !== null) failures.push(...checkSignature(anchor, keys));

  // Each batch's previous head: the anchor, the batch before it, or 'missing' across a gap.
  const previousOf = new Map<string, CheckedHead | null | 'missing'>();
  let previous: CheckedHead | null = anchor;
  let missingBatches = 0;
  for (const head of heads) {
    const id = BigInt(head.head.batchId);
    const expectedId = previous === null ? 1n : BigInt(previous.head.batchId) + 1n;
    // Without an anchor the first batch's previous head is simply not exported (checkBatch: head_missing).
    const gapFrom = previous === null ? id : expectedId;
    for (let gap = gapFrom; gap < id; gap++) {
      failures.push({ reason: 'batch_missing', batchId: gap.toString(), detail: `no head for batch ${gap} between the exported heads` });
      missingBatches += 1;
    }
    previousOf.set(head.head.batchId, id === expectedId ? previous : 'missing');
    previous = head;
  }

  const batches: BatchVerification[] = [];
  let events = 0;
  let lastSealedPosition = -1n;
  let current = 0;
  let leaves: BatchLeaf[] = [];
  const close = (): void => {
    const head = heads[current];
    leaves.sort((a, b) => a.merkleIndex - b.merkleIndex);
    batches.push(checkBatch({ head, previous: previousOf.get(head.head.batchId) as CheckedHead | null | 'missing', leaves, publicKeys: keys }));
    leaves = [];
    current += 1;
  };
  let lineNumber = 0;
  const lines = createInterface({ input: createReadStream(join(dir, BUNDLE_FILES.events)), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      const event = parseEvent(line);
      if (event === null) {
        failures.push({ reason: 'malformed_line', detail: `${BUNDLE_FILES.events} line ${lineNumber} is not an exported event` });
        continue;
      }
      events += 1;
      const merkleIndex = Number(event.merkleIndex);
      while (current < heads.length && merkleIndex > heads[current].head.lastIndex) close();
      const leaf: BatchLeaf = {
        merkleIndex,
        sealed: { leafHash: event.leafHash, eventId: event.eventId, globalPosition: event.globalPosition },
        event: { eventId: event.eventId, leafText: storedLeafText(event) },
      };
      if (current < heads.length && merkleIndex >= heads[current].head.firstIndex) {
        leaves.push(leaf);
        if (BigInt(event.globalPosition) > lastSealedPosition) lastSealedPosition = BigInt(event.globalPosition);
      } else {
        const earlier = heads.find((stored) => merkleIndex >= stored.head.firstIndex && merkleIndex <= stored.head.lastIndex);
        failures.push({
          reason: earlier === undefined ? 'uncovered_event' : 'count_mismatch', batchId: earlier?.head.batchId, merkleIndex, eventId: event.eventId,
          globalPosition: event.globalPosition,
          detail: earlier === undefined ? 'no exported head covers this merkle index' : `${BUNDLE_FILES.events} line ${lineNumber} is out of merkle index order`,
        });
      }
    }
  } catch (error) {
    // A missing or unreadable events.jsonl: every batch is then reported short of its leaves.
    failures.push({ reason: 'malformed_line', detail: `${BUNDLE_FILES.events}: ${(error as Error).message}` });
  }
  while (current < heads.length) close();

  const unsealed: UnsealedEvent[] = [];
  for (const event of manifest.unsealed ?? []) {
    if (!/^[0-9]+$/.test(String(event?.globalPosition))) {
      failures.push({ reason: 'malformed_line', detail: `${BUNDLE_FILES.manifest}: an unsealed event without a global position` });
    } else if (typeof event.refused === 'string') {
      failures.push({
        reason: 'event_refused', eventId: event.eventId, globalPosition: event.globalPosition,
        detail: `the sealer refused it (${event.refused}): it is in no batch`,
      });
    } else if (lastSealedPosition >= 0n && BigInt(event.globalPosition) < lastSealedPosition) {
      failures.push({
        reason: 'uncovered_event', eventId: event.eventId, globalPosition: event.globalPosition,
        detail: `listed as unsealed, but sealed events follow it (up to global position ${lastSealedPosition}): no batch covers it`,
      });
    } else unsealed.push(event);
  }

  failures.push(...(await checkProofs(dir, anchor, heads)));
  if (manifest.counts?.events !== events) {
    failures.push({ reason: 'count_mismatch', expected: String(manifest.counts?.events), actual: String(events), detail: `manifest.json counts.events ≠ lines of ${BUNDLE_FILES.events}` });
  }

  const batchesFailed = batches.filter((batch) => !batch.ok).length;
  const failureCount = failures.length + batches.reduce((sum, batch) => sum + batch.failures.length, 0);
  return {
    dir, ok: failureCount === 0, range: manifest.range, keys: options.trustedPublicKeys === undefined ? 'bundle' : 'trusted',
    batches, failures, unsealed,
    totals: { batches: batches.length, batchesOk: batches.length - batchesFailed, batchesFailed, missingBatches, events, unsealedEvents: unsealed.length, failures: failureCount },
  };
}

async function readManifest(dir: string): Promise<BundleManifest> {
  const path = join(dir, BUNDLE_FILES.manifest);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as BundleManifest;
  } catch (error) {
    throw new ExportBundleError('unreadable_bundle', `cannot read ${path}: ${(error as Error).message}`, path);
  }
  if (manifest?.formatVersion !== EXPORT_FORMAT_VERSION) {
    throw new ExportBundleError('unknown_format_version', `${path}: format version ${String(manifest?.formatVersion)} is not ${EXPORT_FORMAT_VERSION}`, path);
  }
  if (typeof manifest.files !== 'object' || manifest.files === null) throw new ExportBundleError('unreadable_bundle', `${path} lists no files`, path);
  return manifest;
}

/** SHA-256 of a file, streamed; null when it does not exist. */
async function fileHash(path: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    return null;
  }
  return hash.digest('hex');
}

async function bundleKeys(dir: string, failures: Failure[]): Promise<PublicKeys> {
  try {
    const listed = JSON.parse(await readFile(join(dir, BUNDLE_FILES.publicKeys), 'utf8')) as Record<string, string>;
    return new Map<string, PublicKeyInput>(Object.entries(listed));
  } catch (error) {
    failures.push({ reason: 'malformed_line', detail: `${BUNDLE_FILES.publicKeys}: ${(error as Error).message}` });
    return new Map();
  }
}

function trustedKeys(pems: readonly string[]): PublicKeys {
  return new Map(pems.map((pem) => [keyIdOf(pem), pem]));
}

async function readHeads(dir: string, failures: Failure[]): Promise<{ anchor: CheckedHead | null; heads: CheckedHead[] }> {
  let anchor: CheckedHead | null = null;
  const heads: CheckedHead[] = [];
  const text = await readFile(join(dir, BUNDLE_FILES.heads), 'utf8').catch(() => '');
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let record: ExportedHead;
    try {
      record = JSON.parse(line) as ExportedHead;
      if (typeof record.batchId !== 'string' || !/^[1-9][0-9]*$/.test(record.batchId) || typeof record.signature !== 'string') throw new Error('not a head');
    } catch {
      failures.push({ reason: 'malformed_line', detail: `${BUNDLE_FILES.heads} line ${i + 1} is not an exported head` });
      return;
    }
    const { role, signature, headHash, ...head } = record;
    const stored: CheckedHead = { head, signature, headHash };
    const last = heads[heads.length - 1];
    if (role === 'anchor' && anchor === null && heads.length === 0) anchor = stored;
    else if (role === 'batch' && (last === undefined || BigInt(head.batchId) > BigInt(last.head.batchId))) heads.push(stored);
    else failures.push({ reason: 'count_mismatch', batchId: head.batchId, detail: `${BUNDLE_FILES.heads} line ${i + 1}: a second anchor or a head out of batch order` });
  });
  return { anchor, heads };
}

function parseEvent(line: string): ExportedEvent | null {
  try {
    const event = JSON.parse(line) as ExportedEvent;
    const fields = [event.merkleIndex, event.globalPosition, event.eventId, event.leafHash, event.dataText, event.metadataText];
    return fields.every((field) => typeof field === 'string') && /^(0|[1-9][0-9]*)$/.test(event.merkleIndex) && /^-?[0-9]+$/.test(event.globalPosition)
      ? event : null;
  } catch {
    return null;
  }
}

/** The consistency proof must take the anchor (or first) head to the last one. */
async function checkProofs(dir: string, anchor: CheckedHead | null, heads: readonly CheckedHead[]): Promise<Failure[]> {
  if (heads.length === 0) return [];
  let proofs: ExportedProofs;
  try {
    proofs = JSON.parse(await readFile(join(dir, BUNDLE_FILES.proofs), 'utf8')) as ExportedProofs;
  } catch (error) {
    return [{ reason: 'proof_invalid', detail: `${BUNDLE_FILES.proofs}: ${(error as Error).message}` }];
  }
  const from = anchor ?? heads[0];
  const to = heads[heads.length - 1];
  const proof = proofs?.consistency;
  if (proof === null || proof === undefined) return [{ reason: 'proof_invalid', batchId: to.head.batchId, detail: 'the bundle has no consistency proof' }];
  if (proof.fromBatchId !== from.head.batchId || proof.toBatchId !== to.head.batchId) {
    return [{ reason: 'proof_invalid', expected: `${from.head.batchId} → ${to.head.batchId}`, actual: `${proof.fromBatchId} → ${proof.toBatchId}`, detail: 'the consistency proof is between other heads' }];
  }
  try {
    const check = checkConsistency(
      from.head.treeSize, to.head.treeSize, proof.hashes.map((hash) => hashFromHex(hash)), hashFromHex(from.head.rootHash), hashFromHex(to.head.rootHash),
    );
    if (check.ok) return [];
    return [{ reason: 'proof_invalid', batchId: to.head.batchId, detail: `consistency proof ${from.head.batchId} → ${to.head.batchId}: ${check.reason}` }];
  } catch (error) {
    return [{ reason: 'proof_invalid', batchId: to.head.batchId, detail: `consistency proof ${from.head.batchId} → ${to.head.batchId}: ${(error as Error).message}` }];
  }
}
