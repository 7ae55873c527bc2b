export type AgentStatus = 'unregistered' | 'active' | 'suspended';

export interface AgentKeyState {
  keyId: string;
  keyHash: string;
  status: 'active' | 'revoked';
}

export interface AgentState {
  /** 'unregistered' until AgentRegistered: the stream does not exist yet. */
  status: AgentStatus;
  agentId: string;
  name: string;
  description: string;
  owner: string;
  parentAgentId: string | null;
  rootAgentId: string;
  /** Root first, parent last; [] for a root agent. Its length is the delegation depth. */
  ancestorIds: readonly string[];
  metadata: Readonly<Record<string, string>>;
  suspendedReason: string | null;
  keys: ReadonlyMap<string, AgentKeyState>;
  /** Number of events applied: the stream version. */
  version: number;
}

/** The state of an agent stream with no events. Never mutated: evolveAgent returns new states. */
export const initialAgentState: AgentState = Object.freeze({
  status: 'unregistered',
  agentId: '',
  name: '',
  description: '',
  owner: '',
  parentAgentId: null,
  rootAgentId: '',
  ancestorIds: [],
  metadata: {},
  suspendedReason: null,
  keys: new Map(),
  version: 0,
});
