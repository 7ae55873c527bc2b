import type { PatternType } from './allowlist-pattern.js';

export interface AllowlistEntryAdded {
  type: 'AllowlistEntryAdded';
  schemaVersion: 1;
  /** `pattern` as the user wrote it; matching normalises globs when compiling. */
  data: { entryId: string; agentId: string; pattern: string; patternType: PatternType; actor: string };
}

export interface AllowlistEntryRemoved {
  type: 'AllowlistEntryRemoved';
  schemaVersion: 1;
  data: { entryId: string; agentId: string; actor: string };
}

export type AllowlistEvent = AllowlistEntryAdded | AllowlistEntryRemoved;
