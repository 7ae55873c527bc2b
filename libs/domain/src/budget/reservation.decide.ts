import { MAX_AMOUNT, isCurrencyCode } from '@caracal/money';
import type { Decision } from '../decision.js';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError, type ValidationIssue } from '../errors/validation-error.js';
import { checkText } from '../validation/text-field.js';
import { AgentSuspendedError } from './agent-suspended.error.js';
import { BudgetExceededError } from './budget-exceeded.error.js';
import { applicablePolicies, usageOf } from './budget-usage.js';
import type { BudgetState, OpenReservation } from './budget.state.js';
import type { ExpireReservations, ReleaseReservation, ReservationCommand, ReserveSpend, SettleSpend } from './reservation.commands.js';
import type { ChargedHold, ReservationEvent, ReservationExpired, SpendUsage } from './reservation.events.js';

export const MIN_RESERVATION_TTL_MS = 1_000;
export const MAX_RESERVATION_TTL_MS = 24 * 60 * 60 * 1000;
const ID_MAX_LENGTH = 200;
/** The longest resource (normalised URL) a hold can name; the proxy refuses longer URLs up front (414). */
export const RESOURCE_MAX_LENGTH = 4096;
const USAGE_KEY = /^[a-z][A-Za-z0-9]{0,63}$/;
const USAGE_MAX_KEYS = 32;

/** Decides reservation commands on the budget stream of the agent's delegation root. */
export function decideReservation(state: BudgetState, command: ReservationCommand): Decision<ReservationEvent> {
  switch (command.type) {
    case 'ReserveSpend':
      return reserve(state, command);
    case 'SettleSpend':
      return settle(state, command);
    case 'ReleaseReservation':
      return release(state, command);
    case 'ExpireReservations':
      return expire(state, command);
  }
}

function reserve(state: BudgetState, command: ReserveSpend): Decision<ReservationEvent> {
  const issues = [
    ...checkId('reservationId', command.reservationId),
    ...checkId('requestId', command.requestId),
    ...checkId('agentId', command.agentId),
    ...checkText('resource', command.resource, { required: true, maxLength: RESOURCE_MAX_LENGTH }),
    ...(command.model === null ? [] : checkText('model', command.model, { required: true, maxLength: ID_MAX_LENGTH })),
    ...checkNanos('amountNanos', command.amountNanos),
    ...checkNow(command.now),
    ...checkChain(command),
  ];
  if (!isCurrencyCode(command.currency)) issues.push({ field: 'currency', message: 'must be an ISO 4217 currency code (e.g. "USD")' });
  if (!Number.isSafeInteger(command.ttlMs) || command.ttlMs < MIN_RESERVATION_TTL_MS || command.ttlMs > MAX_RESERVATION_TTL_MS) {
    issues.push({ field: 'ttlMs', message: `must be an integer from ${MIN_RESERVATION_TTL_MS} to ${MAX_RESERVATION_TTL_MS}` });
  }
  if (issues.length > 0) return new ValidationError(issues);

  // A retried reserve (the commit's outcome was unknown) changes nothing while the hold is open.
  // After it resolved, the state no longer knows the id: the store refuses the second
  // SpendReserved by its event id, derived from the reservation id (docs/domain.md).
  if (state.reservations.has(command.reservationId)) return [];

  const root = command.agentChain[0];
  if (root.agentId !== state.rootAgentId) {
    return new ConflictError(`agent ${command.agentId} belongs to delegation root ${root.agentId}, not ${state.rootAgentId}`, {
      agentId: command.agentId,
      rootAgentId: root.agentId,
    });
  }
  for (const agent of command.agentChain) {
    if (agent.status === 'unregistered') return new NotFoundError('agent', agent.agentId);
  }
  const suspended = command.agentChain.find((agent) => agent.status === 'suspended');
  if (suspended !== undefined) return new AgentSuspendedError(suspended.agentId, command.agentId);

  const nowMs = command.now.getTime();
  const policies = applicablePolicies(state, command.agentChain, command.currency);
  for (const policy of policies) {
    const usage = usageOf(state, policy, nowMs);
    if (usage.spentNanos + usage.heldNanos + command.amountNanos > usage.limitNanos) {
      return new BudgetExceededError({
        policyId: policy.policyId,
        agentId: policy.agentId,
        timeWindow: policy.timeWindow,
        windowType: policy.windowType,
        ...usage,
        requestedNanos: command.amountNanos,
      });
    }
  }
  return [
    {
      type: 'SpendReserved',
      schemaVersion: 1,
      data: {
        reservationId: command.reservationId,
        agentId: command.agentId,
        agentPath: command.agentChain.map((agent) => agent.agentId),
        requestId: command.requestId,
        resource: command.resource,
        model: command.model,
        amountNanos: command.amountNanos.toString(),
        currency: command.currency,
        policyIds: policies.map((policy) => policy.policyId),
        occurredAt: command.now.toISOString(),
        expiresAt: new Date(nowMs + command.ttlMs).toISOString(),
      },
    },
  ];
}

function settle(state: BudgetState, command: SettleSpend): Decision<ReservationEvent> {
  const issues = [
    ...checkId('reservationId', command.reservationId),
    ...checkNanos('amountNanos', command.amountNanos),
    ...checkUsage(command.usage),
    ...checkText('pricebookVersion', command.pricebookVersion, { required: true, maxLength: ID_MAX_LENGTH }),
    ...checkNow(command.now),
  ];
  if (issues.length > 0) return new ValidationError(issues);
  const reservation = state.reservations.get(command.reservationId);
  if (reservation === undefined) return unresolvable(command.reservationId);
  const overage = command.amountNanos > reservation.amountNanos ? command.amountNanos - reservation.amountNanos : 0n;
  return [
    {
      type: 'SpendSettled',
      schemaVersion: 1,
      data: {
        reservationId: reservation.reservationId,
        agentId: reservation.agentId,
        ...chargedHold(reservation),
        amountNanos: command.amountNanos.toString(),
        heldNanos: reservation.amountNanos.toString(),
        overageNanos: overage.toString(),
        usage: { ...command.usage },
        pricebookVersion: command.pricebookVersion,
        occurredAt: command.now.toISOString(),
      },
    },
  ];
}

function release(state: BudgetState, command: ReleaseReservation): Decision<ReservationEvent> {
  const issues = [
    ...checkId('reservationId', command.reservationId),
    ...checkText('reason', command.reason, { required: true, maxLength: ID_MAX_LENGTH }),
    ...checkNow(command.now),
  ];
  if (issues.length > 0) return new ValidationError(issues);
  const reservation = state.reservations.get(command.reservationId);
  if (reservation === undefined) return unresolvable(command.reservationId);
  return [
    {
      type: 'ReservationReleased',
      schemaVersion: 1,
      data: { reservationId: reservation.reservationId, agentId: reservation.agentId, reason: command.reason, occurredAt: command.now.toISOString() },
    },
  ];
}

function expire(state: BudgetState, command: ExpireReservations): Decision<ReservationEvent> {
  const issues = checkNow(command.now);
  if (issues.length > 0) return new ValidationError(issues);
  const nowMs = command.now.getTime();
  const due = [...state.reservations.values()]
    .filter((reservation) => reservation.expiresAtMs <= nowMs)
    .sort((a, b) => a.expiresAtMs - b.expiresAtMs || (a.reservationId < b.reservationId ? -1 : 1));
  return due.map(
    (reservation): ReservationExpired => ({
      type: 'ReservationExpired',
      schemaVersion: 1,
      data: {
        reservationId: reservation.reservationId,
        agentId: reservation.agentId,
        ...chargedHold(reservation),
        amountNanos: reservation.amountNanos.toString(),
        occurredAt: command.now.toISOString(),
      },
    }),
  );
}

function chargedHold(reservation: OpenReservation): ChargedHold {
  return {
    agentPath: [...reservation.agentPath],
    resource: reservation.resource,
    model: reservation.model,
    currency: reservation.currency,
    reservedAt: new Date(reservation.occurredAtMs).toISOString(),
  };
}

/**
 * Not open: never reserved, or resolved already. The state keeps no resolved ids (its size would
 * follow the traffic), so it cannot tell the two apart; a caller that must asks the event store,
 * where each reservation has at most one resolution event (docs/domain.md).
 */
function unresolvable(reservationId: string): Decision<ReservationEvent> {
  return new NotFoundError('open reservation', reservationId);
}

function checkId(field: string, value: unknown): ValidationIssue[] {
  return checkText(field, value, { required: true, maxLength: ID_MAX_LENGTH });
}

function checkNanos(field: string, value: unknown): ValidationIssue[] {
  if (typeof value !== 'bigint') return [{ field, message: 'must be a bigint of nano-units' }];
  if (value < 0n || value > MAX_AMOUNT) return [{ field, message: `must be from 0 to ${MAX_AMOUNT} nanos` }];
  return [];
}

function checkNow(now: unknown): ValidationIssue[] {
  return now instanceof Date && !Number.isNaN(now.getTime()) ? [] : [{ field: 'now', message: 'must be a valid Date' }];
}

function checkChain(command: ReserveSpend): ValidationIssue[] {
  const chain: unknown = command.agentChain;
  if (!Array.isArray(chain) || chain.length === 0) return [{ field: 'agentChain', message: 'must list the agent and its ancestors, root first' }];
  const ids = command.agentChain.map((agent) => agent.agentId);
  if (ids[ids.length - 1] !== command.agentId) return [{ field: 'agentChain', message: 'must end with the requesting agent' }];
  if (new Set(ids).size !== ids.length) return [{ field: 'agentChain', message: 'must not repeat an agent' }];
  return [];
}

function checkUsage(usage: SpendUsage): ValidationIssue[] {
  if (typeof usage !== 'object' || usage === null || Array.isArray(usage)) return [{ field: 'usage', message: 'must be an object' }];
  const entries = Object.entries(usage);
  if (entries.length > USAGE_MAX_KEYS) return [{ field: 'usage', message: `must have at most ${USAGE_MAX_KEYS} fields` }];
  return entries.flatMap(([key, value]): ValidationIssue[] => {
    if (!USAGE_KEY.test(key)) return [{ field: `usage.${key}`, message: 'must be a camelCase name' }];
    if (value !== null && !(Number.isSafeInteger(value) && value >= 0)) return [{ field: `usage.${key}`, message: 'must be a non-negative integer or null' }];
    return [];
  });
}
