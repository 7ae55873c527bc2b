// A sealed log built in memory (no database): events, signed heads and the export records of it,
// for the unit tests of checkBatch and the bundle verifier. Test code only.
import { randomUUID } from 'node:crypto';
import {
  CompactRange, canonicalize, storedLeafHash, storedLeafText, generateSigningKeyPair, headHash, MerkleTree, consistencyProof, signTreeHead, toHex,
  type SigningKeyPair, type TreeHead,
} from '@caracal/merkle';
import type { BatchLeaf, CheckedHead } from '../batch.check.js';
import { EXPORT_FORMAT_VERSION, type ExportedEvent, type ExportRecord } from '../export-bundle.js';

export interface InMemoryLog {
  key: SigningKeyPair;
  events: ExportedEvent[];
  heads: CheckedHead[];
  /** The batch's leaves as checkBatch takes them (0-based batch number). */
  leaves(batch: number): BatchLeaf[];
  /** The export records of batches [from, to] (0-based), with the head before `from` as the anchor. */
  records(from?: number, to?: number): ExportRecord[];
}

export function inMemoryLog(eventCount: number, batchSize: number): InMemoryLog {
  const key = generateSigningKeyPair();
  const events: ExportedEvent[] = [];
  for (let i = 0; i < eventCount; i++) {
    const event = {
      merkleIndex: String(i), globalPosition: String(10 + i * 2), streamId: `s-${i % 3}`, streamPosition: String(Math.floor(i / 3) + 1),
      eventId: randomUUID(), eventType: 'TestHappened', schemaVersion: 1, dataText: canonicalize({ i, text: `é ${i}` }),
      metadataText: canonicalize({ actor: 'unit' }), recordedAt: `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0')}Z`,
    };
    events.push({ ...event, leafHash: toHex(storedLeafHash(event)) });
  }
  const heads: CheckedHead[] = [];
  let range = CompactRange.empty();
  for (let first = 0, batchId = 1; first < eventCount; first += batchSize, batchId++) {
    const batch = events.slice(first, first + batchSize);
    range = range.appendAll(batch.map((event) => Buffer.from(event.leafHash, 'hex')));
    const head: TreeHead = {
      batchId: String(batchId), treeSize: range.size, rootHash: toHex(range.root()), firstIndex: first, lastIndex: first + batch.length - 1,
      firstRecordedAt: batch[0].recordedAt, lastRecordedAt: batch[batch.length - 1].recordedAt,
      previousHeadHash: heads.length === 0 ? null : headHash(heads[heads.length - 1].head),
      timestamp: '2024-01-02T00:00:00.000000Z', keyId: key.keyId, compactRange: range.serialize(),
    };
    heads.push({ head, signature: signTreeHead(head, key.privateKeyPem), headHash: headHash(head) });
  }
  const tree = MerkleTree.fromLeafHashes(events.map((event) => Buffer.from(event.leafHash, 'hex')));

  return {
    key, events, heads,
    leaves(batch) {
      const { firstIndex, lastIndex } = heads[batch].head;
      return events.slice(firstIndex, lastIndex + 1).map((event) => ({
        merkleIndex: Number(event.merkleIndex),
        sealed: { leafHash: event.leafHash, eventId: event.eventId, globalPosition: event.globalPosition },
        event: { eventId: event.eventId, leafText: storedLeafText(event) },
      }));
    },
    records(from = 0, to = heads.length - 1) {
      const anchor = from > 0 ? heads[from - 1] : null;
      const exported = heads.slice(from, to + 1);
      const headRecord = (stored: CheckedHead, role: 'anchor' | 'batch'): ExportRecord =>
        ({ kind: 'head', role, ...stored.head, signature: stored.signature, headHash: stored.headHash as string });
      const fromHead = (anchor ?? exported[0]).head;
      const toHead = exported[exported.length - 1].head;
      const batchEvents = events.slice(exported[0].head.firstIndex, toHead.lastIndex + 1);
      return [
        { kind: 'publicKey', keyId: key.keyId, publicKeyPem: key.publicKeyPem },
        ...(anchor === null ? [] : [headRecord(anchor, 'anchor')]),
        ...exported.map((stored) => headRecord(stored, 'batch')),
        ...batchEvents.map((event): ExportRecord => ({ kind: 'event', ...event })),
        {
          kind: 'proofs',
          consistency: {
            fromBatchId: fromHead.batchId, toBatchId: toHead.batchId, fromTreeSize: fromHead.treeSize, toTreeSize: toHead.treeSize,
            hashes: consistencyProof(tree.size === toHead.treeSize ? tree : events.slice(0, toHead.treeSize).map((e) => Buffer.from(e.leafHash, 'hex')), fromHead.treeSize).map(toHex),
          },
        },
        {
          kind: 'end', formatVersion: EXPORT_FORMAT_VERSION, range: { start: batchEvents[0].recordedAt, end: batchEvents[batchEvents.length - 1].recordedAt },
          createdAt: '2024-01-03T00:00:00.000000Z',
          counts: { batches: exported.length, events: batchEvents.length, eventsInRange: batchEvents.length, unsealedEvents: 0, publicKeys: 1 },
        },
      ];
    },
  };
}
