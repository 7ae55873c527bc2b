import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { generateSigningKeyPair } from '@caracal/merkle';
import { BUNDLE_FILES, type ExportRecord } from './export-bundle.js';
import { ExportBundleError } from './export-bundle.errors.js';
import { verifyExportBundle } from './export-bundle.verify.js';
import { writeExportBundle } from './export-bundle.write.js';
import { inMemoryLog } from './testing/in-memory-log.js';

const log = inMemoryLog(40, 7); // batches 1..6
const roots: string[] = [];

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function* stream(records: readonly ExportRecord[]): AsyncGenerator<ExportRecord> {
  yield* records;
}

async function bundle(records: readonly ExportRecord[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'caracal-bundle-'));
  roots.push(root);
  const dir = join(root, 'bundle');
  await writeExportBundle(stream(records), dir);
  return dir;
}

describe('export bundles (files only)', () => {
  it('writes the five files with their hashes in the manifest and verifies the whole log', async () => {
    const dir = await bundle(log.records());
    const manifest = JSON.parse(await readFile(join(dir, BUNDLE_FILES.manifest), 'utf8'));
    expect(Object.keys(manifest.files).sort()).toEqual([BUNDLE_FILES.events, BUNDLE_FILES.heads, BUNDLE_FILES.proofs, BUNDLE_FILES.publicKeys].sort());
    expect(manifest).toMatchObject({ firstBatchId: '1', lastBatchId: '6', anchorBatchId: null, counts: { events: 40, batches: 6 } });
    const result = await verifyExportBundle(dir);
    expect(result.failures).toEqual([]);
    expect(result.totals).toEqual({ batches: 6, batchesOk: 6, batchesFailed: 0, missingBatches: 0, events: 40, unsealedEvents: 0, failures: 0 });
  });

  it('verifies a middle range from its anchor head, with the consistency proof from the anchor', async () => {
    const dir = await bundle(log.records(2, 4));
    const result = await verifyExportBundle(dir, { trustedPublicKeys: [log.key.publicKeyPem] });
    expect(result).toMatchObject({ ok: true, keys: 'trusted' });
    expect(result.batches.map((batch) => batch.batchId)).toEqual(['3', '4', '5']);
    const proofs = JSON.parse(await readFile(join(dir, BUNDLE_FILES.proofs), 'utf8'));
    expect(proofs.consistency).toMatchObject({ fromBatchId: '2', toBatchId: '5' });
  });

  it('fails a proof that is wrong, between other heads, or missing', async () => {
    const records = log.records(2, 4);
    const proof = records.find((record) => record.kind === 'proofs') as Extract<ExportRecord, { kind: 'proofs' }>;
    const flipped = { ...proof, consistency: { ...proof.consistency!, hashes: [...proof.consistency!.hashes].reverse() } };
    const swap = (replacement: ExportRecord): ExportRecord[] => records.map((record) => (record === proof ? replacement : record));
    expect((await verifyExportBundle(await bundle(swap(flipped)))).failures).toEqual([expect.objectContaining({ reason: 'proof_invalid', batchId: '5' })]);
    const other = { ...proof, consistency: { ...proof.consistency!, fromBatchId: '1' } };
    expect((await verifyExportBundle(await bundle(swap(other)))).failures).toEqual([expect.objectContaining({ reason: 'proof_invalid', detail: 'the consistency proof is between other heads' })]);
    expect((await verifyExportBundle(await bundle(swap({ kind: 'proofs', consistency: null })))).failures)
      .toEqual([expect.objectContaining({ reason: 'proof_invalid', detail: 'the bundle has no consistency proof' })]);
  });

  it('trusts only the --public-key keys when given', async () => {
    const dir = await bundle(log.records());
    const stranger = generateSigningKeyPair();
    const result = await verifyExportBundle(dir, { trustedPublicKeys: [stranger.publicKeyPem] });
    expect(result.ok).toBe(false);
    expect(result.batches.every((batch) => batch.failures.some((failure) => failure.reason === 'unknown_key'))).toBe(true);
  });

  it('reports unreadable lines and unsealed events that sealed events follow', async () => {
    const records = log.records();
    const end = records.findIndex((record) => record.kind === 'end');
    const unsealed: ExportRecord[] = [
      { kind: 'unsealed', eventId: 'e-early', globalPosition: '11', recordedAt: '2024-01-01T00:00:00.000000Z', merkleIndex: null },
      { kind: 'unsealed', eventId: 'e-late', globalPosition: '999', recordedAt: '2024-01-01T00:00:00.000000Z', merkleIndex: 40 },
    ];
    const dir = await bundle([...records.slice(0, end), ...unsealed, ...records.slice(end)]);
    await writeFile(join(dir, BUNDLE_FILES.events), `${await readFile(join(dir, BUNDLE_FILES.events), 'utf8')}not json\n`);
    const result = await verifyExportBundle(dir);
    expect(result.unsealed.map((event) => event.eventId)).toEqual(['e-late']);
    expect(result.failures.map((failure) => failure.reason).sort()).toEqual(['file_hash_mismatch', 'malformed_line', 'uncovered_event']);
    expect(result.failures.find((failure) => failure.reason === 'uncovered_event')).toMatchObject({ eventId: 'e-early' });
  });

  it('refuses a non-empty directory, a truncated export, and a directory that is not a bundle', async () => {
    const dir = await bundle(log.records());
    await expect(writeExportBundle(stream(log.records()), dir)).rejects.toMatchObject({ reason: 'out_dir_not_empty' });
    const root = await mkdtemp(join(tmpdir(), 'caracal-bundle-'));
    roots.push(root);
    const records = log.records();
    await expect(writeExportBundle(stream(records.slice(0, -1)), join(root, 'cut'))).rejects.toMatchObject({ reason: 'truncated_export' });
    await expect(verifyExportBundle(join(root, 'cut'))).rejects.toBeInstanceOf(ExportBundleError);
    await rm(join(dir, BUNDLE_FILES.events));
    const eventless = await verifyExportBundle(dir);
    expect(eventless.failures.map((failure) => failure.reason).sort()).toEqual(['count_mismatch', 'file_hash_mismatch', 'malformed_line']);
    expect(eventless.batches.every((batch) => batch.failures.some((failure) => failure.reason === 'count_mismatch'))).toBe(true);
    await writeFile(join(dir, BUNDLE_FILES.manifest), JSON.stringify({ formatVersion: 99 }));
    await expect(verifyExportBundle(dir)).rejects.toMatchObject({ reason: 'unknown_format_version' });
  });
});
