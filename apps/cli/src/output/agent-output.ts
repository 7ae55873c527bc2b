import type { Agent, ApiKeyInfo, CreatedAgent, HistoryEntry, IssuedApiKey, RotatedApiKey } from '@caracal/api-contract';
import { formatFields, type Field } from './fields.js';
import { formatList, type Column } from './table.js';
import { formatMetadata, orDash } from './values.js';

const SHOWN_ONCE_WARNING = 'Store the API key now: it is shown only this once and cannot be retrieved later.';

function agentFields(agent: Agent): Field[] {
  const fields: Field[] = [
    ['Agent ID', agent.agentId],
    ['Name', agent.name],
    ['Description', orDash(agent.description)],
    ['Owner', agent.owner],
    ['Status', agent.status],
  ];
  if (agent.status === 'suspended') fields.push(['Suspension reason', orDash(agent.suspendedReason)]);
  fields.push(
    ['Parent ID', orDash(agent.parentAgentId)],
    ['Root ID', agent.rootAgentId],
    ['Metadata', formatMetadata(agent.metadata)],
    ['Version', String(agent.version)],
    ['Created', agent.createdAt],
    ['Updated', agent.updatedAt],
  );
  return fields;
}

export function formatAgent(agent: Agent): string {
  return formatFields(agentFields(agent));
}

/** The agent id and the one-time key come first: they are what the operator must act on. */
export function formatCreatedAgent(created: CreatedAgent): string {
  return [
    'Agent created.',
    formatFields([
      ['Agent ID', created.agent.agentId],
      ['API key', created.apiKey.key],
      ['API key ID', created.apiKey.keyId],
    ]),
    SHOWN_ONCE_WARNING,
    '',
    formatFields(agentFields(created.agent).filter(([label]) => label !== 'Agent ID')),
  ].join('\n');
}

const agentColumns: Column<Agent>[] = [
  { header: 'AGENT ID', value: (agent) => agent.agentId },
  { header: 'NAME', value: (agent) => agent.name },
  { header: 'OWNER', value: (agent) => agent.owner },
  { header: 'STATUS', value: (agent) => agent.status },
  { header: 'PARENT ID', value: (agent) => orDash(agent.parentAgentId) },
  { header: 'CREATED', value: (agent) => agent.createdAt },
];

export function formatAgentList(agents: readonly Agent[], nextCursor: string | null): string {
  return formatList(agents, agentColumns, 'agents', nextCursor);
}

const historyColumns: Column<HistoryEntry>[] = [
  { header: 'VERSION', value: (entry) => String(entry.version), alignRight: true },
  { header: 'RECORDED', value: (entry) => entry.recordedAt },
  { header: 'TYPE', value: (entry) => entry.type },
  { header: 'ACTOR', value: (entry) => orDash(entry.actor) },
  { header: 'DATA', value: (entry) => JSON.stringify(entry.data ?? null) },
];

export function formatHistory(entries: readonly HistoryEntry[]): string {
  return formatList(entries, historyColumns, 'history entries');
}

const keyColumns: Column<ApiKeyInfo>[] = [
  { header: 'KEY ID', value: (key) => key.keyId },
  { header: 'STATUS', value: (key) => key.status },
  { header: 'CREATED', value: (key) => key.createdAt },
  { header: 'REVOKED', value: (key) => orDash(key.revokedAt) },
];

export function formatKeyList(keys: readonly ApiKeyInfo[]): string {
  return formatList(keys, keyColumns, 'API keys');
}

export function formatIssuedKey(issued: IssuedApiKey): string {
  return [
    'API key created.',
    formatFields([
      ['API key', issued.key],
      ['API key ID', issued.keyId],
    ]),
    SHOWN_ONCE_WARNING,
  ].join('\n');
}

export function formatRotatedKey(rotated: RotatedApiKey): string {
  return [
    'API key rotated.',
    formatFields([
      ['API key', rotated.key],
      ['API key ID', rotated.keyId],
      ['Revoked key ID', rotated.revokedKeyId],
    ]),
    SHOWN_ONCE_WARNING,
  ].join('\n');
}

export function formatKey(key: ApiKeyInfo): string {
  return formatFields([
    ['API key ID', key.keyId],
    ['Agent ID', key.agentId],
    ['Status', key.status],
    ['Created', key.createdAt],
    ['Revoked', orDash(key.revokedAt)],
  ]);
}
