// Agents and their API keys (docs/api.md "Agents").

export const AGENT_STATUSES = ['active', 'suspended'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export interface Agent {
  agentId: string;
  name: string;
  description: string;
  owner: string;
  parentAgentId: string | null;
  rootAgentId: string;
  status: AgentStatus;
  suspendedReason: string | null;
  metadata: Record<string, string>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A new key: the secret is shown once, here, and never stored. */
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

/** One event of the agent's stream (GET /v1/agents/{agentId}/history). */
export interface HistoryEntry {
  version: number;
  type: string;
  data: Record<string, unknown>;
  /** Null for events recorded without an actor. */
  actor: string | null;
  recordedAt: string;
}
