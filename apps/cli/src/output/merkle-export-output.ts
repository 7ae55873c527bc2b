import type { BundleManifest, ExportVerification } from '@caracal/sealing';
import { formatMerkleFailure } from './merkle-output.js';
import { count } from './plural.js';

export function formatExportSummary(manifest: BundleManifest, dir: string): string {
  const c = manifest.counts;
  const batches = manifest.firstBatchId === null ? 'none' : `${manifest.firstBatchId}..${manifest.lastBatchId}`;
  return [
    `Exported ${manifest.range.start} .. ${manifest.range.end} to ${dir}`,
    `Batches: ${c.batches} (${batches}${manifest.anchorBatchId === null ? '' : `, anchor head ${manifest.anchorBatchId}`})`,
    `Events:  ${count(c.events, 'sealed event', 'sealed events')} exported; ${c.eventsInRange} in the range, ${c.unsealedEvents} not sealed yet`,
    `Public keys: ${c.publicKeys}`,
    `Verify it offline with: caracal merkle verify-export ${dir}`,
  ].join('\n');
}

export function formatExportVerification(result: ExportVerification): string {
  const keys = result.keys === 'trusted' ? 'the --public-key files only' : "the bundle's public-keys.json";
  const lines = [`Bundle ${result.dir} (${result.range.start} .. ${result.range.end}): ${result.ok ? 'OK' : 'FAILED'}`, `Signatures checked with ${keys}.`, ''];
  for (const batch of result.batches) {
    lines.push(batch.ok
      ? `Batch ${batch.batchId}: OK (${count(batch.leavesChecked, 'leaf', 'leaves')})`
      : `Batch ${batch.batchId}: FAILED (${[...new Set(batch.failures.map((failure) => failure.reason))].join(', ')})`);
    for (const failure of batch.failures) lines.push(`  - ${formatMerkleFailure(failure)}`);
  }
  if (result.batches.length === 0) lines.push('The bundle holds no sealed batch.');
  if (result.failures.length > 0) {
    lines.push('', 'Bundle failures:');
    for (const failure of result.failures) lines.push(`  - ${formatMerkleFailure(failure)}`);
  }
  const t = result.totals;
  lines.push(
    '',
    `Batches: ${t.batches} (${t.batchesOk} ok, ${t.batchesFailed} failed, ${t.missingBatches} missing)`,
    `Events:  ${t.events} checked, ${t.unsealedEvents} not sealed at export time`,
    `Failures: ${t.failures}`,
  );
  return lines.join('\n');
}
