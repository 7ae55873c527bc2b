export interface AgentRegisteredData {
  agentId: string;
  name: string;
  description: string;
  owner: string;
  parentAgentId: string | null;
  /** The delegation root: the parent's root, or the agent itself when it has no parent. */
  rootAgentId: string;
  /** The delegation path from the root down to the parent ([] for a root). Immutable, like the parent. */
  ancestorIds: string[];
  metadata: Record<string, string>;
  actor: string;
}

export interface AgentChanges {
  name?: string;
  description?: string;
  metadata?: Record<string, string>;
}

export type AgentKeyRevocationReason = 'rotated' | 'revoked';

export interface AgentRegistered {
  type: 'AgentRegistered';
  schemaVersion: 1;
  data: AgentRegisteredData;
}

export interface AgentUpdated {
  type: 'AgentUpdated';
  schemaVersion: 1;
  /** `changes` holds only the fields whose value changed. */
  data: { agentId: string; changes: AgentChanges; actor: string };
}

export interface AgentSuspended {
  type: 'AgentSuspended';
  schemaVersion: 1;
  data: { agentId: string; reason: string; actor: string };
}

export interface AgentReactivated {
  type: 'AgentReactivated';
  schemaVersion: 1;
  data: { agentId: string; actor: string };
}

export interface AgentKeyIssued {
  type: 'AgentKeyIssued';
  schemaVersion: 1;
  /** keyHash: SHA-256 hex of the random key. The key itself never enters the domain. */
  data: { agentId: string; keyId: string; keyHash: string; actor: string };
}

export interface AgentKeyRevoked {
  type: 'AgentKeyRevoked';
  schemaVersion: 1;
  data: { agentId: string; keyId: string; reason: AgentKeyRevocationReason; actor: string };
}

export type AgentEvent =
  | AgentRegistered
  | AgentUpdated
  | AgentSuspended
  | AgentReactivated
  | AgentKeyIssued
  | AgentKeyRevoked;
