import type { AgentState } from '../agent/agent.state.js';

export interface AddAllowlistEntry {
  type: 'AddAllowlistEntry';
  entryId: string;
  agentId: string;
  /** The agent's current state, loaded by the handler. */
  agent: AgentState;
  pattern: string;
  /** 'regex' | 'glob', checked at run time: it arrives from the API. */
  patternType: string;
  actor: string;
}

export interface RemoveAllowlistEntry {
  type: 'RemoveAllowlistEntry';
  entryId: string;
  actor: string;
}

export type AllowlistCommand = AddAllowlistEntry | RemoveAllowlistEntry;
