// The admin API's response shapes, as docs/api.md defines them. The CLI only reads these to
// print them; it does not validate them (the gateway owns the contract, --json shows it raw).

export interface Agent {
  agentId: string;
  name: string;
  description: string | null;
  owner: string;
  parentAgentId: string | null;
  rootAgentId: string;
  status: 'active' | 'suspended';
  suspendedReason: string | null;
  metadata: Record<string, string>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface IssuedApiKey {
  keyId: string;
  key: string;
}

export interface CreatedAgent {
  agent: Agent;
  apiKey: IssuedApiKey;
}

export interface RotatedApiKey extends IssuedApiKey {
  revokedKeyId: string;
}

export interface ApiKeyInfo {
  keyId: string;
  agentId: string;
  status: 'active' | 'revoked';
  createdAt: string;
  revokedAt: string | null;
}

export interface HistoryEntry {
  version: number;
  type: string;
  data: unknown;
  actor: string;
  recordedAt: string;
}

export const TIME_WINDOWS = ['hourly', 'daily', 'weekly', 'monthly', 'total'] as const;
export const WINDOW_TYPES = ['calendar', 'rolling'] as const;
export const PATTERN_TYPES = ['regex', 'glob'] as const;
export const AGENT_STATUSES = ['active', 'suspended'] as const;

export interface Policy {
  policyId: string;
  agentId: string;
  /** Decimal string, e.g. "100.00": money is never a JSON number. */
  limit: string;
  currency: string;
  timeWindow: string;
  windowType: string;
  timezone: string;
  active: boolean;
  version: number;
  changeReason: string;
  changedBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface PolicyVersion {
  policyId: string;
  version: number;
  limit: string;
  currency: string;
  timeWindow: string;
  windowType: string;
  timezone: string;
  active: boolean;
  changeReason: string;
  actor: string;
  recordedAt: string;
}

export interface AllowlistEntry {
  entryId: string;
  agentId: string;
  pattern: string;
  patternType: string;
  createdAt: string;
  removedAt: string | null;
}

export interface AllowlistTestResult {
  allowed: boolean;
  normalizedUrl: string;
  matchedEntry: AllowlistEntry | null;
  message: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ItemList<T> {
  items: T[];
}

/** The body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  request_id: string;
  details?: { field: string; message: string }[];
}
