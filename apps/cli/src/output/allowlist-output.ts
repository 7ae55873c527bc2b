import type { AllowlistEntry, AllowlistTestResult } from '../gateway-api.js';
import { formatFields } from './fields.js';
import { formatList, type Column } from './table.js';
import { orDash, yesNo } from './values.js';

export function formatAllowlistEntry(entry: AllowlistEntry): string {
  return formatFields([
    ['Entry ID', entry.entryId],
    ['Agent ID', entry.agentId],
    ['Pattern', entry.pattern],
    ['Pattern type', entry.patternType],
    ['Created', entry.createdAt],
    ['Removed', orDash(entry.removedAt)],
  ]);
}

// The pattern goes last: it is the one column of unbounded width.
const entryColumns: Column<AllowlistEntry>[] = [
  { header: 'ENTRY ID', value: (entry) => entry.entryId },
  { header: 'AGENT ID', value: (entry) => entry.agentId },
  { header: 'TYPE', value: (entry) => entry.patternType },
  { header: 'CREATED', value: (entry) => entry.createdAt },
  { header: 'PATTERN', value: (entry) => entry.pattern },
];

export function formatAllowlist(entries: readonly AllowlistEntry[], nextCursor: string | null): string {
  return formatList(entries, entryColumns, 'allowlist entries', nextCursor);
}

export function formatAllowlistTest(result: AllowlistTestResult): string {
  const matched = result.matchedEntry;
  return [
    formatFields([
      ['Allowed', yesNo(result.allowed)],
      ['Normalized URL', result.normalizedUrl],
      ['Matched entry', matched ? `${matched.entryId} (${matched.patternType} ${matched.pattern})` : '-'],
    ]),
    result.message,
  ].join('\n');
}
