import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { BUNDLE_FILES, EXPORT_FORMAT_VERSION, type BundleDataFile, type BundleManifest, type ExportedProofs, type ExportRecord } from './export-bundle.js';
import { ExportBundleError } from './export-bundle.errors.js';
import type { UnsealedEvent } from './verification-report.js';

/** A JSONL file written line by line (with backpressure) and hashed as it is written. */
class HashedLines {
  private readonly out: WriteStream;
  private readonly hash: Hash = createHash('sha256');

  constructor(path: string) {
    this.out = createWriteStream(path, { flags: 'wx' });
  }

  async write(value: unknown): Promise<void> {
    const line = `${JSON.stringify(value)}\n`;
    this.hash.update(line);
    if (!this.out.write(line)) await once(this.out, 'drain');
  }

  async close(): Promise<string> {
    this.out.end();
    await once(this.out, 'finish');
    return this.hash.digest('hex');
  }
}

async function writeHashed(path: string, text: string): Promise<string> {
  await writeFile(path, text, { flag: 'wx' });
  return createHash('sha256').update(text).digest('hex');
}

/** Refuses an --out that already holds files: a bundle is never mixed with or written over another. */
async function prepareDirectory(dir: string): Promise<void> {
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  if (existing.length > 0) throw new ExportBundleError('out_dir_not_empty', `${dir} is not empty; export into a new or empty directory`, dir);
  await mkdir(dir, { recursive: true });
}

/**
 * Writes the export records (readExportBundle, or GET /v1/merkle/export's NDJSON) into a bundle
 * directory: events.jsonl and heads.jsonl streamed as they come, then public-keys.json and
 * proofs.json, and manifest.json with every file's SHA-256 last. Records that stop before the
 * `end` record are a truncated export: ExportBundleError, no manifest written.
 */
export async function writeExportBundle(records: AsyncIterable<ExportRecord>, dir: string): Promise<BundleManifest> {
  await prepareDirectory(dir);
  const events = new HashedLines(join(dir, BUNDLE_FILES.events));
  const heads = new HashedLines(join(dir, BUNDLE_FILES.heads));
  const publicKeys: Record<string, string> = {};
  const unsealed: UnsealedEvent[] = [];
  let proofs: ExportedProofs = { consistency: null };
  let anchorBatchId: string | null = null;
  let firstBatchId: string | null = null;
  let lastBatchId: string | null = null;
  let end: Extract<ExportRecord, { kind: 'end' }> | undefined;

  for await (const record of records) {
    const { kind, ...body } = record;
    switch (record.kind) {
      case 'publicKey':
        publicKeys[record.keyId] = record.publicKeyPem;
        break;
      case 'head':
        if (record.role === 'anchor') anchorBatchId = record.batchId;
        else {
          firstBatchId ??= record.batchId;
          lastBatchId = record.batchId;
        }
        await heads.write(body);
        break;
      case 'event':
        await events.write(body);
        break;
      case 'unsealed':
        unsealed.push(body as UnsealedEvent);
        break;
      case 'proofs':
        proofs = { consistency: record.consistency };
        break;
      case 'end':
        end = record;
        break;
      default:
        throw new ExportBundleError('truncated_export', `unknown export record kind ${String(kind)}`);
    }
  }
  const files = {} as Record<BundleDataFile, string>;
  files[BUNDLE_FILES.events] = await events.close();
  files[BUNDLE_FILES.heads] = await heads.close();
  if (end === undefined) throw new ExportBundleError('truncated_export', 'the export stopped before its end record; the bundle is incomplete', dir);
  files[BUNDLE_FILES.publicKeys] = await writeHashed(join(dir, BUNDLE_FILES.publicKeys), `${JSON.stringify(publicKeys, null, 2)}\n`);
  files[BUNDLE_FILES.proofs] = await writeHashed(join(dir, BUNDLE_FILES.proofs), `${JSON.stringify(proofs, null, 2)}\n`);
  const manifest: BundleManifest = {
    formatVersion: EXPORT_FORMAT_VERSION, range: end.range, createdAt: end.createdAt, firstBatchId, lastBatchId, anchorBatchId,
    counts: end.counts, unsealed, files,
  };
  await writeFile(join(dir, BUNDLE_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  return manifest;
}
