import { formatAmount } from '@caracal/money';
import type { Decision } from '../decision.js';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError, type ValidationIssue } from '../errors/validation-error.js';
import { checkText } from '../validation/text-field.js';
import type { BudgetPolicyCommand, ChangePolicy, CreatePolicy, DeactivatePolicy } from './budget.commands.js';
import type { BudgetEvent, PolicyTermsData } from './budget.events.js';
import type { BudgetState, PolicyState } from './budget.state.js';
import { checkPolicyTerms, sameTerms, type PolicyTerms } from './policy-terms.js';

const CHANGE_REASON_MAX_LENGTH = 500;

/** Decides policy commands on the budget stream of the policy's delegation root. */
export function decideBudgetPolicy(state: BudgetState, command: BudgetPolicyCommand): Decision<BudgetEvent> {
  switch (command.type) {
    case 'CreatePolicy':
      return createPolicy(state, command);
    case 'ChangePolicy':
      return changePolicy(state, command);
    case 'DeactivatePolicy':
      return deactivatePolicy(state, command);
  }
}

function createPolicy(state: BudgetState, command: CreatePolicy): Decision<BudgetEvent> {
  const { policyId, agentId, agent } = command;
  if (agent.status === 'unregistered' || agent.agentId !== agentId) return new NotFoundError('agent', agentId);
  // The policy must be decided on its root's stream, or reservations would not see it.
  if (agent.rootAgentId !== state.rootAgentId) {
    return new ConflictError(`agent ${agentId} belongs to delegation root ${agent.rootAgentId}, not ${state.rootAgentId}`, {
      agentId,
      rootAgentId: agent.rootAgentId,
    });
  }
  if (state.policies.has(policyId)) return new ConflictError(`policy ${policyId} already exists`, { policyId });

  const terms = checkPolicyTerms({
    limit: command.limit,
    currency: command.currency,
    timeWindow: command.timeWindow,
    windowType: command.windowType,
    timezone: command.timezone ?? 'UTC',
  });
  const issues = [...(Array.isArray(terms) ? terms : []), ...checkChangeReason(command.changeReason)];
  if (Array.isArray(terms) || issues.length > 0) return new ValidationError(issues);

  const duplicate = activeDuplicate(state, agentId, terms, policyId);
  if (duplicate !== null) return duplicate;
  return [
    {
      type: 'BudgetPolicyCreated',
      schemaVersion: 1,
      data: { policyId, agentId, version: 1, ...termsData(terms), changeReason: command.changeReason, actor: command.actor },
    },
  ];
}

function changePolicy(state: BudgetState, command: ChangePolicy): Decision<BudgetEvent> {
  const policy = state.policies.get(command.policyId);
  if (policy === undefined) return new NotFoundError('budget policy', command.policyId);
  const inactive = activeRequired(policy);
  if (inactive !== null) return inactive;

  const terms = checkPolicyTerms({
    limit: command.limit ?? formatAmount(policy.limitNanos),
    currency: command.currency ?? policy.currency,
    timeWindow: command.timeWindow ?? policy.timeWindow,
    windowType: command.windowType ?? policy.windowType,
    timezone: command.timezone ?? policy.timezone,
  });
  const issues = [...(Array.isArray(terms) ? terms : []), ...checkChangeReason(command.changeReason)];
  if (Array.isArray(terms) || issues.length > 0) return new ValidationError(issues);

  // A change that changes nothing records nothing and is not an error (PATCH is idempotent, as
  // for agents): a retried change whose answer was lost succeeds; the unchanged version shows it.
  if (sameTerms(terms, policy)) return [];
  const duplicate = activeDuplicate(state, policy.agentId, terms, policy.policyId);
  if (duplicate !== null) return duplicate;
  return [
    {
      type: 'BudgetPolicyChanged',
      schemaVersion: 1,
      data: {
        policyId: policy.policyId,
        agentId: policy.agentId,
        version: policy.version + 1,
        ...termsData(terms),
        changeReason: command.changeReason,
        actor: command.actor,
      },
    },
  ];
}

function deactivatePolicy(state: BudgetState, command: DeactivatePolicy): Decision<BudgetEvent> {
  const policy = state.policies.get(command.policyId);
  if (policy === undefined) return new NotFoundError('budget policy', command.policyId);
  const inactive = activeRequired(policy);
  if (inactive !== null) return inactive;
  const issues = checkChangeReason(command.changeReason);
  if (issues.length > 0) return new ValidationError(issues);
  return [
    {
      type: 'BudgetPolicyDeactivated',
      schemaVersion: 1,
      data: {
        policyId: policy.policyId,
        agentId: policy.agentId,
        version: policy.version + 1,
        changeReason: command.changeReason,
        actor: command.actor,
      },
    },
  ];
}

function checkChangeReason(changeReason: string): ValidationIssue[] {
  return checkText('changeReason', changeReason, { required: true, maxLength: CHANGE_REASON_MAX_LENGTH });
}

function activeRequired(policy: PolicyState): ConflictError | null {
  if (policy.active) return null;
  return new ConflictError(`policy ${policy.policyId} is deactivated (version ${policy.version})`, {
    policyId: policy.policyId,
    version: policy.version,
  });
}

// Two active policies over the same agent, currency and window would make "the" limit ambiguous:
// change the existing one instead.
function activeDuplicate(state: BudgetState, agentId: string, terms: PolicyTerms, exceptPolicyId: string): ConflictError | null {
  for (const other of state.policies.values()) {
    if (
      other.active &&
      other.policyId !== exceptPolicyId &&
      other.agentId === agentId &&
      other.currency === terms.currency &&
      other.timeWindow === terms.timeWindow &&
      other.windowType === terms.windowType
    ) {
      return new ConflictError(
        `agent ${agentId} already has active policy ${other.policyId} for ${terms.currency} ${terms.windowType} ${terms.timeWindow}; change that policy instead`,
        { policyId: other.policyId, agentId },
      );
    }
  }
  return null;
}

function termsData(terms: PolicyTerms): PolicyTermsData {
  return {
    limitNanos: terms.limitNanos.toString(),
    limit: formatAmount(terms.limitNanos),
    currency: terms.currency,
    timeWindow: terms.timeWindow,
    windowType: terms.windowType,
    timezone: terms.timezone,
  };
}
