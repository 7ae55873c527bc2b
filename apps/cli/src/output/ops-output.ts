import type { ConsumerLag, DlqDiscarded, DlqEntry, DlqList, DlqRetryOutcome, HealthCheck, HealthReport, ResetResult } from '@caracal/api-contract';
import { formatFields } from './fields.js';
import { formatList, formatTable, type Column } from './table.js';
import { count } from './plural.js';
import { orDash, yesNo } from './values.js';

// The error goes last: it is the one column of unbounded width.
const dlqColumns: Column<DlqEntry>[] = [
  { header: 'EVENT ID', value: (entry) => entry.eventId },
  { header: 'PROCESSOR', value: (entry) => `${entry.processor} v${entry.version}` },
  { header: 'EVENT TYPE', value: (entry) => entry.eventType },
  { header: 'ATTEMPTS', value: (entry) => String(entry.attempts), alignRight: true },
  { header: 'LAST FAILED', value: (entry) => entry.lastFailedAt },
  { header: 'STATUS', value: (entry) => entry.status },
  { header: 'ERROR', value: (entry) => orDash(entry.error) },
];

export function formatDlqList(list: DlqList): string {
  return [formatList(list.items, dlqColumns, 'DLQ entries'), '', `DLQ size (parked entries): ${list.size}`].join('\n');
}

export function formatDlqEntry(entry: DlqEntry): string {
  return formatFields([
    ['Event ID', entry.eventId],
    ['Processor', `${entry.processor} v${entry.version}`],
    ['Status', entry.status],
    ['Event type', entry.eventType],
    ['Stream', entry.streamId],
    ['Global position', String(entry.globalPosition)],
    ['Attempts', String(entry.attempts)],
    ['First failed', entry.firstFailedAt],
    ['Last failed', entry.lastFailedAt],
    ['Error', orDash(entry.error)],
  ]);
}

/** One block per processor that parked the event. */
export function formatDlqEntries(entries: readonly DlqEntry[]): string {
  return entries.length === 0 ? 'No DLQ entries found.' : entries.map(formatDlqEntry).join('\n\n');
}

const retryColumns: Column<DlqRetryOutcome>[] = [
  { header: 'PROCESSOR', value: (outcome) => `${outcome.processor} v${outcome.version}` },
  { header: 'OUTCOME', value: (outcome) => outcome.outcome },
  { header: 'ERROR', value: (outcome) => orDash(outcome.error) },
];

export function formatDlqRetry(outcomes: readonly DlqRetryOutcome[]): string {
  if (outcomes.length === 0) return 'No parked DLQ entries to retry.';
  const failed = outcomes.filter((outcome) => outcome.outcome === 'failed').length;
  const summary = failed === 0
    ? `Retried ${count(outcomes.length, 'DLQ entry', 'DLQ entries')}: all projected.`
    : `Retried ${count(outcomes.length, 'DLQ entry', 'DLQ entries')}: ${failed} failed again and ${failed === 1 ? 'stays' : 'stay'} parked.`;
  return [summary, formatTable(outcomes, retryColumns)].join('\n');
}

export function formatDlqDiscard(result: DlqDiscarded, eventId: string): string {
  return result.discarded === 0
    ? `Nothing discarded: event ${eventId} has no parked DLQ entry.`
    : `Discarded ${count(result.discarded, 'DLQ entry', 'DLQ entries')} of event ${eventId}; the event will not be projected.`;
}

/** `45s`, `12m 5s`, `3h 20m`, `2d 4h`: the raw seconds are in --json. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return '-';
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

const lagColumns: Column<ConsumerLag>[] = [
  { header: 'CONSUMER GROUP', value: (lag) => `${lag.consumerGroup} v${lag.version}` },
  { header: 'EVENTS BEHIND', value: (lag) => String(lag.eventsBehind), alignRight: true },
  { header: 'OLDEST UNPROCESSED', value: (lag) => formatAge(lag.oldestUnprocessedAgeSeconds), alignRight: true },
  { header: 'LAST CHECKPOINT', value: (lag) => orDash(lag.lastCheckpointAt) },
  { header: 'OWNER', value: (lag) => orDash(lag.owner) },
  { header: 'LEASE ACTIVE', value: (lag) => yesNo(lag.leaseActive) },
];

/** The lag table, then which bus the groups consume (the event store today; Kafka later, same command). */
export function formatConsumerLag(lags: readonly ConsumerLag[]): string {
  const buses = [...new Set(lags.map((lag) => lag.bus ?? 'event-store'))];
  const lines = [formatList(lags, lagColumns, 'consumer groups')];
  for (const lag of lags) if (lag.kafka) lines.push('', formatKafkaGroup(lag.consumerGroup, lag.kafka));
  lines.push('', `bus: ${buses.length === 0 ? 'event-store' : buses.join(', ')}`);
  return lines.join('\n');
}

type KafkaLag = NonNullable<ConsumerLag['kafka']>;

const partitionColumns: Column<KafkaLag['partitions'][number]>[] = [
  { header: 'PARTITION', value: (p) => String(p.partition), alignRight: true },
  { header: 'COMMITTED OFFSET', value: (p) => orDash(p.committedOffset), alignRight: true },
  { header: 'HIGH WATERMARK', value: (p) => p.highWatermark, alignRight: true },
  { header: 'LAG', value: (p) => p.lag, alignRight: true },
];

const memberColumns: Column<KafkaLag['members'][number]>[] = [
  { header: 'MEMBER', value: (m) => m.memberId },
  { header: 'CLIENT', value: (m) => m.clientId },
  { header: 'PARTITIONS', value: (m) => (m.partitions.length === 0 ? '-' : m.partitions.join(',')) },
];

/** A Kafka group's partitions (committed offset vs high watermark) and members. */
function formatKafkaGroup(group: string, kafka: KafkaLag): string {
  const lines = [`${group} on topic ${kafka.topic}${kafka.groupState ? ` (group ${kafka.groupState})` : ''}:`, formatList(kafka.partitions, partitionColumns, 'partitions'), ''];
  const source = kafka.membersSource === 'broker' ? 'from the broker' : 'as they last reported themselves';
  lines.push(`members (${count(kafka.members.length, 'member', 'members')}, ${source}):`);
  lines.push(formatList(kafka.members, memberColumns, 'members'));
  if (kafka.membersNote) lines.push(`note: ${kafka.membersNote}`);
  return lines.join('\n');
}

interface CheckRow {
  name: string;
  check: HealthCheck;
}

function checkRows(report: HealthReport): CheckRow[] {
  const rows: CheckRow[] = [];
  for (const [name, value] of Object.entries(report.checks ?? {})) {
    if (name === 'processors') {
      for (const [group, check] of Object.entries(value ?? {})) rows.push({ name: `processor ${group}`, check: check as HealthCheck });
    } else if (value !== undefined) {
      rows.push({ name, check: value as HealthCheck });
    }
  }
  return rows;
}

function detailValue(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value) && value.length === 0) return '-';
  if (Array.isArray(value)) return value.every((item) => typeof item !== 'object' || item === null) ? value.join(',') : JSON.stringify(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Every field of a check but its status, as `name=value`; the error of a failing check reads as is. */
function checkDetails(check: HealthCheck): string {
  return Object.entries(check)
    .filter(([key]) => key !== 'status')
    .map(([key, value]) => `${key}=${detailValue(value)}`)
    .join(' ');
}

const checkColumns: Column<CheckRow>[] = [
  { header: 'CHECK', value: (row) => row.name },
  { header: 'STATUS', value: (row) => orDash(row.check?.status) },
  { header: 'DETAILS', value: (row) => (row.check && typeof row.check === 'object' ? checkDetails(row.check) : detailValue(row.check)) },
];

export function formatHealthReport(report: HealthReport): string {
  const rows = checkRows(report);
  return [formatFields([['Status', orDash(report.status)]]), '', rows.length === 0 ? 'No checks reported.' : formatTable(rows, checkColumns)].join('\n');
}

export const RESET_SCOPE =
  "every read model (ledger entries, spending totals and the other projections' tables), their checkpoints, leases and dead-letter entries";

/** What a reset never touches: said before and after, since auditors rely on it. */
export const RESET_KEEPS =
  'the event log, and the Merkle batches, signed tree heads and signing keys (the sealer goes on from where it was)';

export function formatReset(result: ResetResult): string {
  return [
    `Database reset. Untouched: ${RESET_KEEPS}. The processors rebuild the read models from the log.`,
    formatFields([
      ['Tables emptied', result.tables.length === 0 ? '-' : result.tables.join(', ')],
      ['Checkpoints removed', String(result.checkpoints)],
      ['Leases removed', String(result.leases)],
      ['DLQ entries removed', String(result.dlqEntries)],
      ['Processors kept', result.kept === undefined || result.kept.length === 0 ? '-' : result.kept.join(', ')],
    ]),
  ].join('\n');
}
