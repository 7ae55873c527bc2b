import type { CurrencyTotal, LedgerEntry, LedgerPage, LedgerUsage, PolicyUsage } from '@caracal/api-contract';
import { formatFields } from './fields.js';
import { formatTable, type Column } from './table.js';
import { orDash } from './values.js';

const ZERO = /^0(\.0*)?$/;

/** The overage, or undefined when the charge stayed within its hold (or the gateway predates the field). */
function overageOf(entry: LedgerEntry): string | undefined {
  return entry.overage === undefined || ZERO.test(entry.overage) ? undefined : entry.overage;
}

const entryColumns: Column<LedgerEntry>[] = [
  { header: 'TIME', value: (entry) => entry.occurredAt },
  { header: 'AMOUNT', value: (entry) => entry.amount, alignRight: true },
  { header: 'OVERAGE', value: (entry) => orDash(overageOf(entry)), alignRight: true },
  { header: 'CURRENCY', value: (entry) => entry.currency },
  { header: 'RESOURCE', value: (entry) => orDash(entry.resource) },
  { header: 'MODEL', value: (entry) => orDash(entry.model) },
  { header: 'KIND', value: (entry) => entry.kind },
];

const totalColumns: Column<CurrencyTotal>[] = [
  { header: 'CURRENCY', value: (total) => total.currency },
  { header: 'TOTAL', value: (total) => total.amount, alignRight: true },
  { header: 'ENTRIES', value: (total) => String(total.entries), alignRight: true },
];

/**
 * The page of entries, then the totals per currency over the whole range (not only this page),
 * then, when there is more, the --cursor of the next page as the last line.
 */
export function formatLedgerPage(page: LedgerPage, range: { startTime: string; endTime: string }): string {
  const lines = [page.items.length === 0 ? 'No ledger entries found.' : formatTable(page.items, entryColumns)];
  if (page.items.some((entry) => overageOf(entry) !== undefined)) {
    lines.push('OVERAGE: charged above the hold, because the upstream reported more usage than the request allowed (max_tokens).');
  }
  if (page.totals.length > 0) {
    lines.push('', `Totals from ${range.startTime} to ${range.endTime} (all pages):`, formatTable(page.totals, totalColumns));
  }
  if (page.nextCursor !== null) lines.push('', `More ledger entries: rerun with --cursor ${page.nextCursor}`);
  return lines.join('\n');
}

/** `<start> – <end>`; `total` windows have no bounds. */
function formatUsageWindow(usage: PolicyUsage): string {
  if (usage.windowStart === null || usage.windowEnd === null) return `${usage.timeWindow} (no bounds)`;
  return `${usage.windowStart} – ${usage.windowEnd}`;
}

const usageColumns: Column<PolicyUsage>[] = [
  { header: 'POLICY ID', value: (usage) => usage.policyId },
  { header: 'AGENT ID', value: (usage) => usage.agentId },
  { header: 'WINDOW', value: formatUsageWindow },
  { header: 'LIMIT', value: (usage) => usage.limit, alignRight: true },
  { header: 'SPENT', value: (usage) => usage.spent, alignRight: true },
  { header: 'HELD', value: (usage) => usage.held, alignRight: true },
  { header: 'REMAINING', value: (usage) => usage.remaining, alignRight: true },
  { header: 'CURRENCY', value: (usage) => usage.currency },
];

/** Current spending against each active policy of that window on the agent's path (its own and its ancestors'). */
export function formatLedgerUsage(usage: LedgerUsage, timeWindow: string): string {
  const header = formatFields([
    ['Agent ID', usage.agentId],
    ['At', usage.at],
  ]);
  const body = usage.items.length === 0
    ? `No active ${timeWindow} policy applies to this agent or its ancestors.`
    : formatTable(usage.items, usageColumns);
  return [header, '', body].join('\n');
}
