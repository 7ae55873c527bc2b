import type { AddressVerdict, AllowlistEntry, AllowlistTestResult } from '@caracal/api-contract';
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
  const check = result.addressCheck;
  return [
    formatFields([
      ['Allowed', yesNo(result.allowed)],
      ['Refused by', orDash(result.refusedBy)],
      ['Normalized URL', result.normalizedUrl],
      ['Matched entry', matched ? `${matched.entryId} (${matched.patternType} ${matched.pattern})` : '-'],
      ['Address check', check ? [check.method, ...check.addresses.map(formatAddress)].join(': ') : '-'],
    ]),
    result.message,
  ].join('\n');
}

/** `::ffff:7f00:1 (::ffff:0:0/96 IPv4-mapped Address; 127.0.0.1 (127.0.0.0/8 Loopback))`. */
function formatAddress(verdict: AddressVerdict): string {
  const block = verdict.block === null ? 'public' : `${verdict.block} ${orDash(verdict.blockName)}`;
  return `${verdict.address} (${[block, ...verdict.embedded.map(formatAddress)].join('; ')})`;
}
