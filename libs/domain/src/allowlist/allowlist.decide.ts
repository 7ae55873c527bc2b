import { PATTERN_TYPES } from '@caracal/api-contract';
import type { Decision } from '../decision.js';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError, type ValidationIssue } from '../errors/validation-error.js';
import { canonicalPattern, compilePattern } from './allowlist-pattern.js';
import type { AddAllowlistEntry, AllowlistCommand, RemoveAllowlistEntry } from './allowlist.commands.js';
import type { AllowlistEvent } from './allowlist.events.js';
import type { AllowlistState } from './allowlist.state.js';
import { InvalidPatternError } from './invalid-pattern.error.js';

export function decideAllowlist(state: AllowlistState, command: AllowlistCommand): Decision<AllowlistEvent> {
  switch (command.type) {
    case 'AddAllowlistEntry':
      return addEntry(state, command);
    case 'RemoveAllowlistEntry':
      return removeEntry(state, command);
  }
}

function addEntry(state: AllowlistState, command: AddAllowlistEntry): Decision<AllowlistEvent> {
  const { entryId, agentId, agent, pattern, actor } = command;
  if (agent.status === 'unregistered' || agent.agentId !== agentId) return new NotFoundError('agent', agentId);
  if (state.entries.has(entryId)) return new ConflictError(`allowlist entry ${entryId} already exists`, { entryId });

  const patternType = PATTERN_TYPES.find((type) => type === command.patternType);
  const issues: ValidationIssue[] = [];
  if (patternType === undefined) issues.push({ field: 'patternType', message: `must be one of ${PATTERN_TYPES.join(', ')}` });
  if (typeof pattern !== 'string' || pattern.length === 0) issues.push({ field: 'pattern', message: 'is required' });
  if (issues.length > 0 || patternType === undefined) return new ValidationError(issues);
  try {
    // Compiled here only to refuse what the gateway could not compile; it compiles its own copy.
    compilePattern(pattern, patternType);
  } catch (error) {
    if (!(error instanceof InvalidPatternError)) throw error;
    return new ValidationError([{ field: 'pattern', message: error.reason }]);
  }

  const canonical = canonicalPattern(pattern, patternType);
  for (const entry of state.entries.values()) {
    if (entry.patternType === patternType && canonicalPattern(entry.pattern, entry.patternType) === canonical) {
      return new ConflictError(`agent ${agentId} already allows ${patternType} ${JSON.stringify(entry.pattern)} (entry ${entry.entryId})`, {
        entryId: entry.entryId,
      });
    }
  }
  return [{ type: 'AllowlistEntryAdded', schemaVersion: 1, data: { entryId, agentId, pattern, patternType, actor } }];
}

function removeEntry(state: AllowlistState, command: RemoveAllowlistEntry): Decision<AllowlistEvent> {
  if (!state.entries.has(command.entryId)) return new NotFoundError('allowlist entry', command.entryId);
  return [{ type: 'AllowlistEntryRemoved', schemaVersion: 1, data: { entryId: command.entryId, agentId: state.agentId, actor: command.actor } }];
}
