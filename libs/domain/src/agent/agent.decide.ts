import type { Decision } from '../decision.js';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError, type ValidationIssue } from '../errors/validation-error.js';
import { checkText } from '../validation/text-field.js';
import {
  checkAgentDescription,
  checkAgentName,
  checkAgentOwner,
  checkKeyHash,
  checkKeyId,
  checkMetadata,
} from './agent-fields.validate.js';
import type {
  AgentCommand,
  IssueAgentKey,
  ReactivateAgent,
  RegisterAgent,
  RevokeAgentKey,
  RotateAgentKey,
  SuspendAgent,
  UpdateAgent,
} from './agent.commands.js';
import type { AgentChanges, AgentEvent } from './agent.events.js';
import type { AgentState } from './agent.state.js';

/**
 * How many levels a delegation chain may have below its root (a root is at depth 0). Every
 * admission checks the policies of every ancestor, so the chain length is a per-request cost.
 */
export const MAX_DELEGATION_DEPTH = 8;

const SUSPEND_REASON_MAX_LENGTH = 500;

export function decideAgent(state: AgentState, command: AgentCommand): Decision<AgentEvent> {
  switch (command.type) {
    case 'RegisterAgent':
      return registerAgent(state, command);
    case 'UpdateAgent':
      return updateAgent(state, command);
    case 'SuspendAgent':
      return suspendAgent(state, command);
    case 'ReactivateAgent':
      return reactivateAgent(state, command);
    case 'IssueAgentKey':
      return issueAgentKey(state, command);
    case 'RotateAgentKey':
      return rotateAgentKey(state, command);
    case 'RevokeAgentKey':
      return revokeAgentKey(state, command);
  }
}

function registerAgent(state: AgentState, command: RegisterAgent): Decision<AgentEvent> {
  const { agentId, parentAgentId, parent, actor } = command;
  if (state.status !== 'unregistered') {
    return new ConflictError(`agent ${agentId} is already registered`, { agentId });
  }
  if (parentAgentId !== null && (parent === null || parent.status === 'unregistered' || parent.agentId !== parentAgentId)) {
    return new NotFoundError('agent', parentAgentId);
  }
  // The parent is fixed for life: see docs/domain.md, "Parent is immutable".
  const ancestorIds = parentAgentId === null || parent === null ? [] : [...parent.ancestorIds, parent.agentId];
  const issues: ValidationIssue[] = [
    ...checkText('agentId', agentId, { required: true, maxLength: 100 }),
    ...checkAgentName(command.name),
    ...checkAgentOwner(command.owner),
    ...checkAgentDescription(command.description),
    ...checkMetadata(command.metadata),
    ...checkKeyId('initialKey.keyId', command.initialKey.keyId),
    ...checkKeyHash('initialKey.keyHash', command.initialKey.keyHash),
  ];
  if (ancestorIds.length > MAX_DELEGATION_DEPTH) {
    issues.push({
      field: 'parentAgentId',
      message: `delegation is limited to ${MAX_DELEGATION_DEPTH} levels below the root; agent ${parentAgentId} is already at depth ${ancestorIds.length - 1}`,
    });
  }
  if (issues.length > 0) return new ValidationError(issues);
  if (parent !== null && parent.status === 'suspended') {
    return new ConflictError(`parent agent ${parent.agentId} is suspended; reactivate it before delegating to a new child`, {
      parentAgentId: parent.agentId,
    });
  }
  return [
    {
      type: 'AgentRegistered',
      schemaVersion: 1,
      data: {
        agentId,
        name: command.name,
        description: command.description,
        owner: command.owner,
        parentAgentId,
        rootAgentId: ancestorIds[0] ?? agentId,
        ancestorIds,
        metadata: { ...command.metadata },
        actor,
      },
    },
    { type: 'AgentKeyIssued', schemaVersion: 1, data: { agentId, ...command.initialKey, actor } },
  ];
}

function updateAgent(state: AgentState, command: UpdateAgent): Decision<AgentEvent> {
  if (state.status === 'unregistered') return new NotFoundError('agent', command.agentId);
  const { name, description, metadata } = command;
  const issues: ValidationIssue[] = [
    ...(name === undefined ? [] : checkAgentName(name)),
    ...(description === undefined ? [] : checkAgentDescription(description)),
    ...(metadata === undefined ? [] : checkMetadata(metadata)),
  ];
  if (issues.length > 0) return new ValidationError(issues);

  const changes: AgentChanges = {};
  if (name !== undefined && name !== state.name) changes.name = name;
  if (description !== undefined && description !== state.description) changes.description = description;
  // Metadata is replaced as a whole, not merged: what the caller sends is what the agent has.
  if (metadata !== undefined && !sameMetadata(metadata, state.metadata)) changes.metadata = { ...metadata };
  // An update that changes nothing is not an error (PATCH is idempotent); it records nothing.
  if (Object.keys(changes).length === 0) return [];
  return [{ type: 'AgentUpdated', schemaVersion: 1, data: { agentId: state.agentId, changes, actor: command.actor } }];
}

function suspendAgent(state: AgentState, command: SuspendAgent): Decision<AgentEvent> {
  if (state.status === 'unregistered') return new NotFoundError('agent', command.agentId);
  const issues = checkText('reason', command.reason, { required: true, maxLength: SUSPEND_REASON_MAX_LENGTH });
  if (issues.length > 0) return new ValidationError(issues);
  if (state.status === 'suspended') {
    return new ConflictError(`agent ${state.agentId} is already suspended`, {
      agentId: state.agentId,
      suspendedReason: state.suspendedReason,
    });
  }
  return [{ type: 'AgentSuspended', schemaVersion: 1, data: { agentId: state.agentId, reason: command.reason, actor: command.actor } }];
}

function reactivateAgent(state: AgentState, command: ReactivateAgent): Decision<AgentEvent> {
  if (state.status === 'unregistered') return new NotFoundError('agent', command.agentId);
  if (state.status !== 'suspended') {
    return new ConflictError(`agent ${state.agentId} is not suspended`, { agentId: state.agentId });
  }
  return [{ type: 'AgentReactivated', schemaVersion: 1, data: { agentId: state.agentId, actor: command.actor } }];
}

function issueAgentKey(state: AgentState, command: IssueAgentKey): Decision<AgentEvent> {
  if (state.status === 'unregistered') return new NotFoundError('agent', command.agentId);
  const issues = [...checkKeyId('keyId', command.keyId), ...checkKeyHash('keyHash', command.keyHash)];
  if (issues.length > 0) return new ValidationError(issues);
  const keyIdTaken = keyIdInUse(state, command.keyId);
  if (keyIdTaken !== null) return keyIdTaken;
  const { keyId, keyHash, actor } = command;
  return [{ type: 'AgentKeyIssued', schemaVersion: 1, data: { agentId: state.agentId, keyId, keyHash, actor } }];
}

function rotateAgentKey(state: AgentState, command: RotateAgentKey): Decision<AgentEvent> {
  if (state.status === 'unregistered') return new NotFoundError('agent', command.agentId);
  const issues = [...checkKeyId('newKeyId', command.newKeyId), ...checkKeyHash('newKeyHash', command.newKeyHash)];
  if (issues.length > 0) return new ValidationError(issues);
  const oldKeyRefused = activeKeyRequired(state, command.oldKeyId);
  if (oldKeyRefused !== null) return oldKeyRefused;
  const keyIdTaken = keyIdInUse(state, command.newKeyId);
  if (keyIdTaken !== null) return keyIdTaken;
  const { agentId } = state;
  const { actor } = command;
  return [
    { type: 'AgentKeyRevoked', schemaVersion: 1, data: { agentId, keyId: command.oldKeyId, reason: 'rotated', actor } },
    { type: 'AgentKeyIssued', schemaVersion: 1, data: { agentId, keyId: command.newKeyId, keyHash: command.newKeyHash, actor } },
  ];
}

function revokeAgentKey(state: AgentState, command: RevokeAgentKey): Decision<AgentEvent> {
  if (state.status === 'unregistered') return new NotFoundError('agent', command.agentId);
  const refused = activeKeyRequired(state, command.keyId);
  if (refused !== null) return refused;
  return [
    { type: 'AgentKeyRevoked', schemaVersion: 1, data: { agentId: state.agentId, keyId: command.keyId, reason: 'revoked', actor: command.actor } },
  ];
}

function activeKeyRequired(state: AgentState, keyId: string): NotFoundError | ConflictError | null {
  const key = state.keys.get(keyId);
  if (key === undefined) return new NotFoundError('agent key', keyId);
  if (key.status === 'revoked') {
    return new ConflictError(`key ${keyId} of agent ${state.agentId} is already revoked`, { agentId: state.agentId, keyId });
  }
  return null;
}

// Key ids are never reused, not even after revocation: an id names one key for the audit trail.
function keyIdInUse(state: AgentState, keyId: string): ConflictError | null {
  if (!state.keys.has(keyId)) return null;
  return new ConflictError(`key id ${keyId} is already used by agent ${state.agentId}`, { agentId: state.agentId, keyId });
}

function sameMetadata(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const aKeys = Object.keys(a);
  return aKeys.length === Object.keys(b).length && aKeys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}
