import type { PatternType } from './allowlist-pattern.js';

export interface AllowlistEntry {
  entryId: string;
  pattern: string;
  patternType: PatternType;
}

/** The current entries of one agent's allowlist, in the order they were added. */
export interface AllowlistState {
  agentId: string;
  entries: ReadonlyMap<string, AllowlistEntry>;
}

export function initialAllowlistState(agentId: string): AllowlistState {
  return { agentId, entries: new Map() };
}
