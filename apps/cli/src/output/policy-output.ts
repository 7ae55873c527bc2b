import type { Policy, PolicyVersion } from '@caracal/api-contract';
import { formatFields } from './fields.js';
import { formatList, type Column } from './table.js';
import { formatMoney, yesNo } from './values.js';

/** `daily (calendar, Europe/Paris)`; rolling windows have no timezone. */
function formatWindow(terms: Pick<Policy, 'timeWindow' | 'windowType' | 'timezone'>): string {
  return terms.windowType === 'calendar'
    ? `${terms.timeWindow} (calendar, ${terms.timezone})`
    : `${terms.timeWindow} (${terms.windowType})`;
}

export function formatPolicy(policy: Policy): string {
  return formatFields([
    ['Policy ID', policy.policyId],
    ['Agent ID', policy.agentId],
    ['Limit', formatMoney(policy.limit, policy.currency)],
    ['Window', formatWindow(policy)],
    ['Active', yesNo(policy.active)],
    ['Version', String(policy.version)],
    ['Change reason', policy.changeReason],
    ['Changed by', policy.changedBy],
    ['Created', policy.createdAt],
    ['Updated', policy.updatedAt],
  ]);
}

const policyColumns: Column<Policy>[] = [
  { header: 'POLICY ID', value: (policy) => policy.policyId },
  { header: 'AGENT ID', value: (policy) => policy.agentId },
  { header: 'LIMIT', value: (policy) => policy.limit, alignRight: true },
  { header: 'CURRENCY', value: (policy) => policy.currency },
  { header: 'WINDOW', value: formatWindow },
  { header: 'ACTIVE', value: (policy) => yesNo(policy.active) },
  { header: 'VERSION', value: (policy) => String(policy.version), alignRight: true },
];

export function formatPolicyList(policies: readonly Policy[], nextCursor: string | null): string {
  return formatList(policies, policyColumns, 'policies', nextCursor);
}

const versionColumns: Column<PolicyVersion>[] = [
  { header: 'VERSION', value: (version) => String(version.version), alignRight: true },
  { header: 'RECORDED', value: (version) => version.recordedAt },
  { header: 'LIMIT', value: (version) => version.limit, alignRight: true },
  { header: 'CURRENCY', value: (version) => version.currency },
  { header: 'WINDOW', value: formatWindow },
  { header: 'ACTIVE', value: (version) => yesNo(version.active) },
  { header: 'ACTOR', value: (version) => version.actor },
  { header: 'REASON', value: (version) => version.changeReason },
];

export function formatPolicyHistory(versions: readonly PolicyVersion[]): string {
  return formatList(versions, versionColumns, 'policy versions');
}
