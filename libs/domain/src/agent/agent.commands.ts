import type { AgentState } from './agent.state.js';

export interface RegisterAgent {
  type: 'RegisterAgent';
  agentId: string;
  name: string;
  description: string;
  owner: string;
  parentAgentId: string | null;
  /** The parent's current state, loaded by the handler (null when there is no parent). */
  parent: AgentState | null;
  metadata: Record<string, string>;
  initialKey: { keyId: string; keyHash: string };
  actor: string;
}

export interface UpdateAgent {
  type: 'UpdateAgent';
  agentId: string;
  name?: string;
  description?: string;
  metadata?: Record<string, string>;
  actor: string;
}

export interface SuspendAgent {
  type: 'SuspendAgent';
  agentId: string;
  reason: string;
  actor: string;
}

export interface ReactivateAgent {
  type: 'ReactivateAgent';
  agentId: string;
  actor: string;
}

export interface IssueAgentKey {
  type: 'IssueAgentKey';
  agentId: string;
  keyId: string;
  keyHash: string;
  actor: string;
}

export interface RotateAgentKey {
  type: 'RotateAgentKey';
  agentId: string;
  oldKeyId: string;
  newKeyId: string;
  newKeyHash: string;
  actor: string;
}

export interface RevokeAgentKey {
  type: 'RevokeAgentKey';
  agentId: string;
  keyId: string;
  actor: string;
}

export type AgentCommand =
  | RegisterAgent
  | UpdateAgent
  | SuspendAgent
  | ReactivateAgent
  | IssueAgentKey
  | RotateAgentKey
  | RevokeAgentKey;
