import type { MerkleBatchVerification, MerkleFailure, MerkleRangeVerification } from '@caracal/api-contract';
import { count } from './plural.js';

/** One finding: the reason, then batch, merkle index, event and what differs, where known. */
export function formatMerkleFailure(failure: MerkleFailure): string {
  const parts = [failure.reason];
  if (failure.batchId !== undefined) parts.push(`batch=${failure.batchId}`);
  if (failure.merkleIndex !== undefined) parts.push(`merkleIndex=${failure.merkleIndex}`);
  if (failure.eventId !== undefined) parts.push(`eventId=${failure.eventId}`);
  if (failure.globalPosition !== undefined) parts.push(`globalPosition=${failure.globalPosition}`);
  if (failure.expected !== undefined) parts.push(`expected=${failure.expected}`);
  if (failure.actual !== undefined) parts.push(`actual=${failure.actual}`);
  if (failure.detail !== undefined) parts.push(`(${failure.detail})`);
  return parts.join(' ');
}

function batchLines(batch: MerkleBatchVerification): string[] {
  const head = batch.ok
    ? `Batch ${batch.batchId}: OK (${count(batch.leavesChecked, 'leaf', 'leaves')})`
    : `Batch ${batch.batchId}: FAILED (${[...new Set(batch.failures.map((failure) => failure.reason))].join(', ')})`;
  return [head, ...batch.failures.map((failure) => `  - ${formatMerkleFailure(failure)}`)];
}

export function formatBatchVerification(result: MerkleBatchVerification): string {
  return batchLines(result).join('\n');
}

export function formatRangeVerification(result: MerkleRangeVerification): string {
  const lines = [`Range ${result.start} .. ${result.end}: ${result.ok ? 'OK' : 'FAILED'}`, ''];
  for (const batch of result.batches) lines.push(...batchLines(batch));
  if (result.batches.length === 0) lines.push('No sealed batch overlaps the range.');
  if (result.failures.length > 0) {
    lines.push('', 'Range failures:');
    for (const failure of result.failures) lines.push(`  - ${formatMerkleFailure(failure)}`);
  }
  const t = result.totals;
  const listed = result.failures.filter((failure) => failure.reason === 'uncovered_event').length;
  if (listed < result.uncoveredEvents) lines.push(`  ... ${count(result.uncoveredEvents - listed, 'more uncovered event', 'more uncovered events')} (the first ${listed} ${listed === 1 ? 'is' : 'are'} listed)`);
  lines.push(
    '',
    `Batches: ${t.batches} (${t.batchesOk} ok, ${t.batchesFailed} failed, ${t.missingBatches} missing)`,
    `Events:  ${t.events} (${t.sealedEvents} sealed, ${t.unsealedEvents} not sealed yet)`,
    `Failures: ${t.failures}`,
  );
  return lines.join('\n');
}

const BAR_WIDTH = 30;

/** `[#########---------------------] 412/1000 batches`, for a terminal line redrawn in place. */
export function formatVerificationProgress(done: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.min(BAR_WIDTH, Math.floor((done / total) * BAR_WIDTH));
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${count(total, 'batch', 'batches')}`;
}
