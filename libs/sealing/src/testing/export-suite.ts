// Export bundles and their offline verification on every backend (PGlite and PostgreSQL). Test code only.
// Seals a fresh log, exports it with readExportBundle → writeExportBundle, and checks that
// verifyExportBundle (files only) passes it, and detects and locates each tampering of the bundle
// files, and of the database before the export.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { SqlClient, SqlEventStore } from '@caracal/event-store';
import { generateSigningKeyPair, headHash, signTreeHead, type SigningKeyPair, type TreeHead } from '@caracal/merkle';
import { BUNDLE_FILES, type BundleManifest } from '../export-bundle.js';
import { readExportBundle } from '../export-bundle.read.js';
import { verifyExportBundle, type ExportVerification } from '../export-bundle.verify.js';
import { writeExportBundle } from '../export-bundle.write.js';
import { createMerkleSealer } from '../merkle-sealer.processor.js';
import { appendTestEvents, emptyLog, tamper } from './test-log.js';
import { signerFromPrivateKey } from '../signing-key.js';
import type { VerificationFailure } from '../verification-report.js';

export interface ExportSuiteSetup {
  open(): Promise<{ client: SqlClient; store: SqlEventStore }>;
  close(): Promise<void>;
}

const SETUP_TIMEOUT_MS = 120_000;
const BATCH_LEAVES = 8;
const EVENTS = 30; // batches 1..3 sealed (indexes 0..23), 6 events in the open batch
const EVERYTHING = { start: '2000-01-01T00:00:00Z', end: 'now' };

/** Every failure of a verification: the bundle's own and every batch's. */
function allFailures(result: ExportVerification): VerificationFailure<string>[] {
  return [...result.failures, ...result.batches.flatMap((batch) => batch.failures)];
}

function reasons(result: ExportVerification): string[] {
  return [...new Set(allFailures(result).map((failure) => failure.reason))].sort();
}

export function describeExport(backend: string, setup: ExportSuiteSetup): void {
  describe(`merkle export bundles on ${backend}`, () => {
    let client: SqlClient;
    let store: SqlEventStore;
    let signingKey: SigningKeyPair;
    let dir: string;
    const dirs: string[] = [];

    beforeAll(async () => {
      ({ client, store } = await setup.open());
    }, SETUP_TIMEOUT_MS);

    afterAll(async () => {
      await setup.close();
      await Promise.all(dirs.map((path) => rm(path, { recursive: true, force: true })));
    });

    async function newDir(): Promise<string> {
      const path = await mkdtemp(join(tmpdir(), 'caracal-export-'));
      dirs.push(path);
      return join(path, 'bundle');
    }

    async function exportTo(range: { start: string; end: string } = EVERYTHING, pageSize = 5): Promise<string> {
      const out = await newDir();
      await writeExportBundle(readExportBundle(client, range, { pageSize }), out);
      return out;
    }

    // Bundle lines are read field by field, as in the test files eslint.config.js exempts.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async function lines(file: string): Promise<any[]> {
      return (await readFile(join(dir, file), 'utf8')).split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
    }

    async function writeLines(file: string, records: readonly unknown[]): Promise<void> {
      await writeFile(join(dir, file), records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    }

    /** What a forger does after editing the files: the manifest's hashes and event count made to match again. */
    async function reseal(): Promise<void> {
      const manifest = JSON.parse(await readFile(join(dir, BUNDLE_FILES.manifest), 'utf8')) as BundleManifest;
      for (const file of Object.keys(manifest.files) as Array<keyof BundleManifest['files']>) {
        manifest.files[file] = createHash('sha256').update(await readFile(join(dir, file))).digest('hex');
      }
      manifest.counts.events = (await lines(BUNDLE_FILES.events)).length;
      await writeFile(join(dir, BUNDLE_FILES.manifest), JSON.stringify(manifest));
    }

    /** A fresh log: EVENTS events with holes in global_position, sealed in batches of BATCH_LEAVES, exported to `dir`. */
    beforeEach(async () => {
      await emptyLog(client);
      const all = await appendTestEvents(client, store, EVENTS, 'export-test');
      signingKey = generateSigningKeyPair();
      const sealer = createMerkleSealer({ signer: signerFromPrivateKey(signingKey.privateKeyPem), batchLeaves: BATCH_LEAVES, maxBatchAgeMs: 600_000 });
      await client.transaction((tx) => sealer.apply(tx, all));
      dir = await exportTo();
    }, SETUP_TIMEOUT_MS);

    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('exports whole batches, the open batch as unsealed, and verifies offline', async () => {
      const manifest = JSON.parse(await readFile(join(dir, BUNDLE_FILES.manifest), 'utf8')) as BundleManifest;
      expect(manifest).toMatchObject({
        formatVersion: 2, firstBatchId: '1', lastBatchId: '3', anchorBatchId: null,
        counts: { batches: 3, events: 24, eventsInRange: 30, unsealedEvents: 6, publicKeys: 1 },
      });
      expect(manifest.unsealed.map((event) => event.merkleIndex)).toEqual([24, 25, 26, 27, 28, 29]);
      const events = await lines(BUNDLE_FILES.events);
      expect(events.map((event) => event.merkleIndex)).toEqual(Array.from({ length: 24 }, (_, i) => String(i)));
      expect(Object.keys(events[0]).sort()).toEqual([
        'dataText', 'eventId', 'eventType', 'globalPosition', 'leafHash', 'merkleIndex', 'metadataText', 'recordedAt', 'schemaVersion', 'streamId', 'streamPosition',
      ]);
      expect(events[0].recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      const proofs = JSON.parse(await readFile(join(dir, BUNDLE_FILES.proofs), 'utf8'));
      expect(proofs.consistency).toMatchObject({ fromBatchId: '1', toBatchId: '3', fromTreeSize: 8, toTreeSize: 24 });
      expect(proofs.consistency.hashes.length).toBeGreaterThan(0);

      const result = await verifyExportBundle(dir);
      expect(allFailures(result)).toEqual([]);
      expect(result).toMatchObject({ ok: true, keys: 'bundle' });
      expect(result.totals).toEqual({ batches: 3, batchesOk: 3, batchesFailed: 0, missingBatches: 0, events: 24, unsealedEvents: 6, failures: 0 });
      expect(result.batches.map((batch) => [batch.batchId, batch.leavesChecked])).toEqual([['1', 8], ['2', 8], ['3', 8]]);
      // An auditor's own copy of the real key is enough.
      await expect(verifyExportBundle(dir, { trustedPublicKeys: [signingKey.publicKeyPem] })).resolves.toMatchObject({ ok: true, keys: 'trusted' });
    });

    it('exports a later range with the previous head as the anchor, and refuses a non-empty --out', async () => {
      const events = await lines(BUNDLE_FILES.events);
      const late = { start: events[17].recordedAt, end: events[23].recordedAt };
      dir = await exportTo(late);
      const heads = await lines(BUNDLE_FILES.heads);
      expect(heads[0]).toMatchObject({ role: 'anchor' });
      expect(heads.filter((head) => head.role === 'batch').map((head) => head.batchId)).toContain('3');
      expect(Number(heads[0].batchId)).toBe(Number(heads[1].batchId) - 1);
      const result = await verifyExportBundle(dir);
      expect(allFailures(result)).toEqual([]);
      // Without the anchor the first batch's root cannot be rebuilt.
      await writeLines(BUNDLE_FILES.heads, heads.slice(1));
      await reseal();
      const anchorless = await verifyExportBundle(dir);
      expect(anchorless.batches[0].failures).toEqual([expect.objectContaining({ reason: 'head_missing', batchId: heads[0].batchId })]);
      await expect(writeExportBundle(readExportBundle(client, late), dir)).rejects.toMatchObject({ name: 'ExportBundleError', reason: 'out_dir_not_empty' });
    });

    it('detects one changed byte of an event\'s data: leaf_mismatch at its merkle index and event, root_mismatch, file hash', async () => {
      const raw = (await readFile(join(dir, BUNDLE_FILES.events), 'utf8')).split('\n');
      const target = JSON.parse(raw[10]);
      raw[10] = raw[10].replace('\\"i\\":10', '\\"i\\":11');
      expect(raw[10]).not.toEqual(JSON.stringify(target));
      await writeFile(join(dir, BUNDLE_FILES.events), raw.join('\n'));
      const result = await verifyExportBundle(dir);
      expect(result.ok).toBe(false);
      expect(result.failures).toEqual([expect.objectContaining({ reason: 'file_hash_mismatch', detail: expect.stringContaining(BUNDLE_FILES.events) })]);
      expect(result.batches.map((batch) => batch.ok)).toEqual([true, false, true]);
      expect(result.batches[1].failures.map((f) => f.reason).sort()).toEqual(['leaf_mismatch', 'root_mismatch']);
      expect(result.batches[1].failures.find((f) => f.reason === 'leaf_mismatch')).toMatchObject({
        batchId: '2', merkleIndex: 10, eventId: target.eventId, globalPosition: target.globalPosition, expected: target.leafHash,
      });
      // The forger also fixes the manifest: the batch still fails.
      await reseal();
      const resealed = await verifyExportBundle(dir);
      expect(resealed.failures).toEqual([]);
      expect(reasons(resealed)).toEqual(['leaf_mismatch', 'root_mismatch']);
    });

    it('detects a deleted event line: the batch is short of that merkle index', async () => {
      const events = await lines(BUNDLE_FILES.events);
      await writeLines(BUNDLE_FILES.events, events.filter((event) => event.merkleIndex !== '3'));
      await reseal();
      const result = await verifyExportBundle(dir);
      expect(result.batches.map((batch) => batch.ok)).toEqual([false, true, true]);
      expect(result.batches[0].failures).toEqual([expect.objectContaining({ reason: 'count_mismatch', batchId: '1', merkleIndex: 3, expected: '8', actual: '7' })]);
    });

    it('detects a forged event line: at a sealed index, or past every head', async () => {
      const events = await lines(BUNDLE_FILES.events);
      const forged = { ...events[9], eventId: randomUUID(), dataText: '{"forged":true}' };
      const beyond = { ...events[23], merkleIndex: '24', globalPosition: String(BigInt(events[23].globalPosition) + 1n), eventId: randomUUID() };
      await writeLines(BUNDLE_FILES.events, [...events.slice(0, 10), forged, ...events.slice(10), beyond]);
      await reseal();
      const result = await verifyExportBundle(dir);
      expect(result.ok).toBe(false);
      expect(result.batches[1].failures).toEqual([
        expect.objectContaining({ reason: 'count_mismatch', batchId: '2', merkleIndex: 9, eventId: forged.eventId, detail: 'a second leaf at this merkle index' }),
      ]);
      expect(result.failures).toEqual([expect.objectContaining({ reason: 'uncovered_event', merkleIndex: 24, eventId: beyond.eventId })]);
    });

    it('detects two events whose positions were swapped', async () => {
      const events = await lines(BUNDLE_FILES.events);
      const [a, b] = [events[4], events[5]];
      events[4] = { ...a, merkleIndex: b.merkleIndex, globalPosition: b.globalPosition };
      events[5] = { ...b, merkleIndex: a.merkleIndex, globalPosition: a.globalPosition };
      await writeLines(BUNDLE_FILES.events, events);
      await reseal();
      const result = await verifyExportBundle(dir);
      expect(result.batches.map((batch) => batch.ok)).toEqual([false, true, true]);
      expect(reasons(result)).toEqual(['leaf_mismatch', 'root_mismatch']);
      expect(result.batches[0].failures.filter((f) => f.reason === 'leaf_mismatch').map((f) => [f.merkleIndex, f.eventId])).toEqual([[4, b.eventId], [5, a.eventId]]);
    });

    it('detects a whole batch deleted (its head and events): batch_missing, and the next batch cannot chain', async () => {
      const heads = await lines(BUNDLE_FILES.heads);
      const events = await lines(BUNDLE_FILES.events);
      await writeLines(BUNDLE_FILES.heads, heads.filter((head) => head.batchId !== '2'));
      await writeLines(BUNDLE_FILES.events, events.filter((event) => Number(event.merkleIndex) < 8 || Number(event.merkleIndex) > 15));
      await reseal();
      const result = await verifyExportBundle(dir);
      expect(result.failures).toEqual([expect.objectContaining({ reason: 'batch_missing', batchId: '2' })]);
      expect(result.batches.map((batch) => [batch.batchId, batch.ok])).toEqual([['1', true], ['3', false]]);
      expect(result.batches[1].failures).toEqual([expect.objectContaining({ reason: 'head_missing', batchId: '2' })]);
      expect(result.totals).toMatchObject({ missingBatches: 1 });
    });

    it('detects a head re-signed with another key, even when the forger lists that key: --public-key trusts only the real one', async () => {
      const heads = await lines(BUNDLE_FILES.heads);
      const forger = generateSigningKeyPair();
      const resign = (index: number): void => {
        const { role, signature: _signature, headHash: _hash, ...head } = heads[index];
        const forged: TreeHead = { ...(head as TreeHead), keyId: forger.keyId };
        heads[index] = { role, ...forged, signature: signTreeHead(forged, forger.privateKeyPem), headHash: headHash(forged) };
      };
      resign(1);
      await writeLines(BUNDLE_FILES.heads, heads);
      await reseal();
      const unknown = await verifyExportBundle(dir);
      expect(unknown.batches[1].failures).toEqual([expect.objectContaining({ reason: 'unknown_key', batchId: '2', actual: forger.keyId })]);
      expect(unknown.batches[2].failures).toEqual([expect.objectContaining({ reason: 'chain_broken', batchId: '3' })]);

      // The last head re-signed, and the forger's key put into public-keys.json: the bundle alone
      // cannot tell; the auditor's own key can.
      dir = await exportTo();
      heads.splice(0, heads.length, ...(await lines(BUNDLE_FILES.heads)));
      resign(2);
      await writeLines(BUNDLE_FILES.heads, heads);
      const keys = JSON.parse(await readFile(join(dir, BUNDLE_FILES.publicKeys), 'utf8'));
      await writeFile(join(dir, BUNDLE_FILES.publicKeys), JSON.stringify({ ...keys, [forger.keyId]: forger.publicKeyPem }));
      await reseal();
      await expect(verifyExportBundle(dir)).resolves.toMatchObject({ ok: true });
      const trusted = await verifyExportBundle(dir, { trustedPublicKeys: [signingKey.publicKeyPem] });
      expect(trusted.ok).toBe(false);
      expect(trusted.batches[2].failures).toEqual([expect.objectContaining({ reason: 'unknown_key', batchId: '3', actual: forger.keyId })]);
    });

    it('detects a manifest whose file hashes do not match', async () => {
      const manifest = JSON.parse(await readFile(join(dir, BUNDLE_FILES.manifest), 'utf8')) as BundleManifest;
      manifest.files[BUNDLE_FILES.heads] = '0'.repeat(64);
      await writeFile(join(dir, BUNDLE_FILES.manifest), JSON.stringify(manifest));
      const result = await verifyExportBundle(dir);
      expect(result.ok).toBe(false);
      expect(result.failures).toEqual([expect.objectContaining({ reason: 'file_hash_mismatch', expected: '0'.repeat(64), detail: expect.stringContaining(BUNDLE_FILES.heads) })]);
      expect(result.batches.every((batch) => batch.ok)).toBe(true);
    });

    it('detects tampering done in the database before the export', async () => {
      const events = await lines(BUNDLE_FILES.events);
      const target = events[10];
      await tamper(client, async (tx) => {
        await tx.query(`UPDATE events SET data_text = replace(data_text, '"i":10', '"i":11') WHERE global_position = $1`, [target.globalPosition]);
        await tx.query('DELETE FROM events WHERE global_position = $1', [events[3].globalPosition]);
      });
      dir = await exportTo();
      const changed = await verifyExportBundle(dir);
      expect(changed.failures).toEqual([]);
      expect(changed.batches.map((batch) => batch.ok)).toEqual([false, false, true]);
      expect(changed.batches[0].failures).toEqual([expect.objectContaining({ reason: 'count_mismatch', batchId: '1', merkleIndex: 3 })]);
      expect(changed.batches[1].failures.find((f) => f.reason === 'leaf_mismatch')).toMatchObject({ batchId: '2', merkleIndex: 10, eventId: target.eventId });

      // A whole batch deleted with its head, and a forged event inserted where a batch was sealed.
      await client.query('DELETE FROM merkle_leaves WHERE batch_id = 2');
      await client.query('DELETE FROM merkle_heads WHERE batch_id = 2');
      const forged = randomUUID();
      const { rows: [hole] } = await client.query<{ hole: string }>(
        'SELECT min(g)::text AS hole FROM generate_series($1::bigint, $2::bigint) g WHERE NOT EXISTS (SELECT 1 FROM events WHERE global_position = g)',
        [events[16].globalPosition, events[23].globalPosition],
      );
      await client.query(
        `INSERT INTO events (global_position, stream_id, stream_position, event_id, event_type, schema_version, data_text)
         VALUES ($1, 'forged', 1, $2, 'TestHappened', 1, '{"forged":true}')`,
        [hole.hole, forged],
      );
      dir = await exportTo();
      const gutted = await verifyExportBundle(dir);
      expect(gutted.failures.filter((f) => f.reason === 'batch_missing').map((f) => f.batchId)).toEqual(['2']);
      const uncovered = gutted.failures.filter((f) => f.reason === 'uncovered_event').map((f) => f.eventId);
      expect(uncovered).toEqual(expect.arrayContaining([...events.slice(8, 16).map((event) => event.eventId), forged]));
      expect(gutted.batches.find((batch) => batch.batchId === '3')?.failures).toEqual([expect.objectContaining({ reason: 'head_missing', batchId: '2' })]);
    });
  });
}
