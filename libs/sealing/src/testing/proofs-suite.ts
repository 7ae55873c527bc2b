// Inclusion and consistency proofs (inclusion-proof.read.ts, consistency-proof.read.ts) and key
// rotation through the key file, on every backend (PGlite and PostgreSQL). Test code only.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RecordedEvent, SqlClient, SqlEventStore } from '@caracal/event-store';
import {
  checkConsistency, checkInclusion, eventLeafHash, generateSigningKeyPair, hashFromHex, headHash, signTreeHead, toHex, verifyTreeHeadSignature,
} from '@caracal/merkle';
import { loadConsistencyProof } from '../consistency-proof.read.js';
import { loadInclusionProof, type InclusionProofDocument } from '../inclusion-proof.read.js';
import { loadHeads, loadPublicKeys, type StoredHead } from '../merkle-heads.read.js';
import { loadKeyRecords } from '../merkle-keys.read.js';
import { MerkleProofError } from '../merkle-proof.errors.js';
import { createMerkleSealer } from '../merkle-sealer.processor.js';
import { appendTestEvents, emptyLog } from './test-log.js';
import { loadRefreshingSigningKeyFile, rotateSigningKeyFile, signerFromPrivateKey, writeSigningKeyFile } from '../signing-key.js';
import { verifyBatch } from '../verify-batch.js';
import { verifyRange } from '../verify-range.js';

export interface ProofsSuiteSetup {
  open(): Promise<{ client: SqlClient; store: SqlEventStore }>;
  close(): Promise<void>;
}

const SETUP_TIMEOUT_MS = 120_000;
const BATCH_LEAVES = 7;

type Keys = Map<string, string>;

/** What an auditor checks: the leaf re-hashed from its fields, the path to the signed root, the signature. */
function inclusionVerifies(document: InclusionProofDocument, keys: Keys): { leaf: boolean; path: string; signature: string } {
  const recomputed = eventLeafHash(document.leaf!);
  const path = checkInclusion(recomputed, document.merkleIndex, document.head.head.treeSize, document.proof.map((h) => hashFromHex(h)), hashFromHex(document.head.head.rootHash));
  const signature = verifyTreeHeadSignature(document.head.head, document.head.signature, keys);
  return { leaf: toHex(recomputed) === document.leafHash, path: path.ok ? 'ok' : path.reason, signature: signature.ok ? 'ok' : signature.reason };
}

function consistencyVerifies(from: StoredHead, to: StoredHead, proof: string[]): string {
  const check = checkConsistency(from.head.treeSize, to.head.treeSize, proof.map((h) => hashFromHex(h)), hashFromHex(from.head.rootHash), hashFromHex(to.head.rootHash));
  return check.ok ? 'ok' : check.reason;
}

async function proofError(promise: Promise<unknown>): Promise<MerkleProofError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(MerkleProofError);
  return error as MerkleProofError;
}

export function describeProofs(backend: string, setup: ProofsSuiteSetup): void {
  describe(`merkle proofs and key rotation on ${backend}`, () => {
    let client: SqlClient;
    let store: SqlEventStore;
    let keyDir: string;

    beforeAll(async () => {
      ({ client, store } = await setup.open());
      keyDir = await mkdtemp(join(tmpdir(), 'caracal-proofs-keys-'));
    }, SETUP_TIMEOUT_MS);

    afterAll(async () => {
      await setup.close();
      await rm(keyDir, { recursive: true, force: true });
    });

    /** An empty log, then `count` new events (holes in global_position), read back in log order. */
    async function freshLog(count: number): Promise<RecordedEvent[]> {
      await emptyLog(client);
      return appendEvents(count);
    }

    const appendEvents = (count: number): Promise<RecordedEvent[]> => appendTestEvents(client, store, count, 'proofs-test');

    it('every sealed event proves against the latest head and every head after its own batch; not sealed / unknown are typed errors', async () => {
      const events = await freshLog(30); // batches 1..4 (indexes 0..27), 2 leaves in the open batch
      const sealer = createMerkleSealer({ signer: signerFromPrivateKey(generateSigningKeyPair().privateKeyPem), batchLeaves: BATCH_LEAVES, maxBatchAgeMs: 600_000 });
      await client.transaction((tx) => sealer.apply(tx, events));
      const keys = await loadPublicKeys(client);
      const heads = await loadHeads(client);
      expect(heads.map((h) => h.head.treeSize)).toEqual([7, 14, 21, 28]);

      for (const [index, event] of events.slice(0, 28).entries()) {
        const ownBatch = Math.floor(index / BATCH_LEAVES) + 1;
        const latest = await loadInclusionProof(client, event.eventId);
        expect(latest).toMatchObject({ merkleIndex: index, eventBatchId: String(ownBatch), head: { head: { batchId: '4' } } });
        expect(latest.leaf).toMatchObject({ eventId: event.eventId, globalPosition: event.globalPosition.toString(), data: event.data });
        expect(inclusionVerifies(latest, keys)).toEqual({ leaf: true, path: 'ok', signature: 'ok' });
        for (let batch = ownBatch; batch <= 4; batch++) {
          const proof = await loadInclusionProof(client, event.eventId, batch);
          expect([index, proof.head.head.batchId, inclusionVerifies(proof, keys)]).toEqual([index, String(batch), { leaf: true, path: 'ok', signature: 'ok' }]);
        }
        // A proof is for its own leaf only: another index with the same path fails.
        if (index > 0) {
          expect(checkInclusion(hashFromHex(latest.leafHash), index - 1, 28, latest.proof.map((h) => hashFromHex(h)), hashFromHex(latest.head.head.rootHash)).ok).toBe(false);
        }
      }

      expect(await proofError(loadInclusionProof(client, events[28].eventId))).toMatchObject({ reason: 'event_not_sealed', data: { merkleIndex: 28 } });
      const [unapplied] = await appendEvents(1);
      expect(await proofError(loadInclusionProof(client, unapplied.eventId))).toMatchObject({ reason: 'event_not_sealed', data: { eventId: unapplied.eventId } });
      expect(await proofError(loadInclusionProof(client, randomUUID()))).toMatchObject({ reason: 'unknown_event' });
      expect(await proofError(loadInclusionProof(client, events[20].eventId, 2))).toMatchObject({ reason: 'batch_before_event', data: { batchId: '2', merkleIndex: 20 } });
      expect(await proofError(loadInclusionProof(client, events[0].eventId, 99))).toMatchObject({ reason: 'unknown_batch', data: { batchId: '99' } });
    });

    it('consistency proofs between every pair of heads verify; a swapped pair or unknown batch is refused', async () => {
      const events = await freshLog(33);
      const sealer = createMerkleSealer({ signer: signerFromPrivateKey(generateSigningKeyPair().privateKeyPem), batchLeaves: 5, maxBatchAgeMs: 600_000 });
      await client.transaction((tx) => sealer.apply(tx, events));
      const heads = await loadHeads(client);
      expect(heads).toHaveLength(6);
      for (let from = 1; from <= heads.length; from++) {
        for (let to = from; to <= heads.length; to++) {
          const document = await loadConsistencyProof(client, from, to);
          expect([document.from.head.batchId, document.to.head.batchId]).toEqual([String(from), String(to)]);
          expect([from, to, consistencyVerifies(document.from, document.to, document.proof)]).toEqual([from, to, 'ok']);
          if (from < to && document.proof.length > 0) {
            // Against another head's root it does not verify.
            const other = heads[(to % heads.length)];
            if (other.head.treeSize !== document.to.head.treeSize) {
              expect(consistencyVerifies(document.from, { ...document.to, head: { ...document.to.head, rootHash: other.head.rootHash } }, document.proof)).not.toBe('ok');
            }
          }
        }
      }
      expect(await proofError(loadConsistencyProof(client, 3, 2))).toMatchObject({ reason: 'batches_out_of_order' });
      expect(await proofError(loadConsistencyProof(client, 1, 7))).toMatchObject({ reason: 'unknown_batch', data: { batchId: '7' } });
    });

    it('rotating the key file: the running sealer signs with the new key at its next seal, both keys\' heads verify, the old key is retired', async () => {
      const events = await freshLog(28);
      const path = join(keyDir, `signing-${randomUUID()}.pem`);
      const first = generateSigningKeyPair();
      await writeSigningKeyFile(path, first.privateKeyPem);
      const signer = await loadRefreshingSigningKeyFile(path);
      const sealer = createMerkleSealer({ signer, batchLeaves: BATCH_LEAVES, maxBatchAgeMs: 600_000 });
      await client.transaction((tx) => sealer.apply(tx, events.slice(0, 14)));
      expect(await loadKeyRecords(client)).toEqual([expect.objectContaining({ keyId: first.keyId, publicKeyPem: first.publicKeyPem, retiredAt: null })]);

      const rotation = await rotateSigningKeyFile(path);
      expect(rotation.oldKeyId).toBe(first.keyId);
      expect(((await stat(rotation.retiredPath)).mode & 0o777)).toBe(0o600);
      expect(signer.keyId).toBe(first.keyId); // picked up at the next seal, not before
      await client.transaction((tx) => sealer.apply(tx, events.slice(14, 28)));
      expect(signer.keyId).toBe(rotation.newKeyId);

      const heads = await loadHeads(client);
      expect(heads.map((h) => h.head.keyId)).toEqual([first.keyId, first.keyId, rotation.newKeyId, rotation.newKeyId]);
      const records = await loadKeyRecords(client);
      expect(records.map((r) => [r.keyId, r.retiredAt === null])).toEqual([[first.keyId, false], [rotation.newKeyId, true]]);
      expect(records[0].retiredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      for (const id of [1, 2, 3, 4]) await expect(verifyBatch(client, id)).resolves.toMatchObject({ ok: true, failures: [] });
      await expect(verifyRange(client, { start: '2000-01-01T00:00:00Z', end: 'now' })).resolves.toMatchObject({ ok: true });

      const keys = await loadPublicKeys(client);
      const acrossRotation = await loadInclusionProof(client, events[3].eventId); // batch 1 (key 1) proved against head 4 (key 2)
      expect(acrossRotation.head.head.keyId).toBe(rotation.newKeyId);
      expect(inclusionVerifies(acrossRotation, keys)).toEqual({ leaf: true, path: 'ok', signature: 'ok' });
      const consistency = await loadConsistencyProof(client, 1, 4);
      expect(consistencyVerifies(consistency.from, consistency.to, consistency.proof)).toBe('ok');

      // Back to the old key (e.g. a rotation undone): it becomes the current key again.
      const more = await appendEvents(BATCH_LEAVES);
      await client.transaction((tx) => createMerkleSealer({ signer: signerFromPrivateKey(first.privateKeyPem), batchLeaves: BATCH_LEAVES }).apply(tx, more));
      expect((await loadKeyRecords(client)).map((r) => [r.keyId, r.retiredAt === null])).toEqual([[first.keyId, true], [rotation.newKeyId, false]]);

      // A head re-signed by a key that was never registered does not verify.
      const stranger = generateSigningKeyPair();
      const forged = { ...heads[2].head, keyId: stranger.keyId };
      await client.query('UPDATE merkle_heads SET key_id = $2, signature = $3, head_hash = $4 WHERE batch_id = $1', ['3', stranger.keyId, signTreeHead(forged, stranger.privateKeyPem), headHash(forged)]);
      const batch = await verifyBatch(client, 3);
      expect(batch.failures).toEqual([expect.objectContaining({ reason: 'unknown_key', batchId: '3', actual: stranger.keyId })]);
      const proof = await loadInclusionProof(client, events[16].eventId, 3);
      expect(inclusionVerifies(proof, await loadPublicKeys(client))).toEqual({ leaf: true, path: 'ok', signature: 'unknown_key' });
    });

    it('a key file replaced by one that cannot be loaded: the sealer keeps signing with the current key and says so once', async () => {
      const events = await freshLog(14);
      const path = join(keyDir, `signing-${randomUUID()}.pem`);
      const first = generateSigningKeyPair();
      await writeSigningKeyFile(path, first.privateKeyPem);
      const warnings: string[] = [];
      const signer = await loadRefreshingSigningKeyFile(path, { warn: (message) => warnings.push(message) });
      await rm(path);
      await writeFile(path, generateSigningKeyPair().privateKeyPem, { mode: 0o644 });
      const sealer = createMerkleSealer({ signer, batchLeaves: BATCH_LEAVES, maxBatchAgeMs: 600_000 });
      await client.transaction((tx) => sealer.apply(tx, events));
      expect((await loadHeads(client)).map((h) => h.head.keyId)).toEqual([first.keyId, first.keyId]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('chmod 600');
      expect(warnings[0]).toContain(`still signing with key ${first.keyId}`);
      expect(warnings[0]).not.toContain('PRIVATE');
    });
  });
}
