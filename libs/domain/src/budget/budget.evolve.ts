import type { Decision } from '../decision.js';
import { UnexpectedEventError } from '../errors/unexpected-event-error.js';
import { budgetStreamId } from '../streams.js';
import type { BudgetEvent, PolicyTermsData } from './budget.events.js';
import { spendKey, type BudgetState, type OpenReservation, type PolicyState } from './budget.state.js';
import type { PolicyTerms } from './policy-terms.js';
import type { ReservationEvent } from './reservation.events.js';
import { addSpend, emptySpendHistory, type SpendHistory } from './spend-history.js';

/** Applies one budget event. Pure: returns a new state and leaves `state` untouched. */
export function evolveBudget(state: BudgetState, event: BudgetEvent): BudgetState {
  return evolveBudgetAll(state, [event]);
}

/**
 * Applies events in order, copying the state's maps once for the whole batch (a long stream or a
 * group-committed batch folds without one copy per event). Pure: `state` is untouched.
 */
export function evolveBudgetAll(state: BudgetState, events: readonly BudgetEvent[]): BudgetState {
  const draft = draftOf(state);
  for (const event of events) apply(draft, event);
  return draft;
}

/**
 * Decides commands in order, each against the state the ones before it left, and returns every
 * decision with the state after the admitted ones. The state is copied once for the batch, not
 * once per command: a group commit of n holds costs O(n + open holds), whatever the stream's
 * history. Pure: `state` is untouched.
 */
export function decideBudgetBatch<C>(
  state: BudgetState,
  commands: readonly C[],
  decide: (state: BudgetState, command: C) => Decision<BudgetEvent>,
): { state: BudgetState; decisions: Decision<BudgetEvent>[] } {
  const draft = draftOf(state);
  const decisions = commands.map((command) => {
    const decision = decide(draft, command);
    if (Array.isArray(decision)) for (const event of decision) apply(draft, event);
    return decision;
  });
  return { state: draft, decisions };
}

interface Draft extends BudgetState {
  policies: Map<string, PolicyState>;
  reservations: Map<string, OpenReservation>;
  held: Map<string, bigint>;
  spend: Map<string, SpendHistory>;
}

function draftOf(state: BudgetState): Draft {
  return {
    rootAgentId: state.rootAgentId,
    policies: new Map(state.policies),
    reservations: new Map(state.reservations),
    held: new Map(state.held),
    spend: new Map(state.spend),
    clockMs: state.clockMs,
  };
}

function apply(draft: Draft, event: BudgetEvent): void {
  switch (event.type) {
    case 'BudgetPolicyCreated': {
      const { policyId, agentId, version } = event.data;
      draft.policies.set(policyId, { policyId, agentId, version, active: true, ...termsOf(event.data) });
      return;
    }
    case 'BudgetPolicyChanged': {
      const policy = policyOf(draft, event);
      draft.policies.set(policy.policyId, { ...policy, version: event.data.version, ...termsOf(event.data) });
      return;
    }
    case 'BudgetPolicyDeactivated': {
      const policy = policyOf(draft, event);
      draft.policies.set(policy.policyId, { ...policy, version: event.data.version, active: false });
      return;
    }
    case 'SpendReserved': {
      const data = event.data;
      if (draft.reservations.has(data.reservationId)) {
        throw unexpected(draft, event, `reservation ${data.reservationId} is already open`);
      }
      const reservation: OpenReservation = {
        reservationId: data.reservationId,
        agentId: data.agentId,
        agentPath: [...data.agentPath],
        requestId: data.requestId,
        resource: data.resource,
        model: data.model,
        amountNanos: BigInt(data.amountNanos),
        currency: data.currency,
        policyIds: [...data.policyIds],
        occurredAtMs: Date.parse(data.occurredAt),
        expiresAtMs: Date.parse(data.expiresAt),
      };
      draft.reservations.set(reservation.reservationId, reservation);
      addHeld(draft, reservation, reservation.amountNanos);
      advanceClock(draft, reservation.occurredAtMs);
      return;
    }
    case 'SpendSettled':
    case 'ReservationExpired':
    case 'ReservationReleased': {
      const reservation = openOf(draft, event);
      const atMs = Date.parse(event.data.occurredAt);
      draft.reservations.delete(reservation.reservationId);
      addHeld(draft, reservation, -reservation.amountNanos);
      advanceClock(draft, atMs);
      if (event.type !== 'ReservationReleased') charge(draft, reservation, BigInt(event.data.amountNanos));
      return;
    }
    case 'SpendDenied':
      // Audit only.
      return;
    default:
      throw new UnexpectedEventError('budget', (event as { type: string }).type, 'unknown event type');
  }
}

function addHeld(draft: Draft, reservation: OpenReservation, delta: bigint): void {
  for (const agentId of reservation.agentPath) {
    const key = spendKey(reservation.currency, agentId);
    const held = (draft.held.get(key) ?? 0n) + delta;
    if (held === 0n) draft.held.delete(key);
    else draft.held.set(key, held);
  }
}

/** A charge is attributed to the reservation's occurredAt: a hold and its charge share a window. */
function charge(draft: Draft, reservation: OpenReservation, nanos: bigint): void {
  for (const agentId of reservation.agentPath) {
    const key = spendKey(reservation.currency, agentId);
    draft.spend.set(key, addSpend(draft.spend.get(key) ?? emptySpendHistory, reservation.occurredAtMs, nanos, draft.clockMs));
  }
}

function advanceClock(draft: Draft, atMs: number): void {
  if (atMs > draft.clockMs) draft.clockMs = atMs;
}

function openOf(draft: Draft, event: ReservationEvent & { data: { reservationId: string } }): OpenReservation {
  const reservation = draft.reservations.get(event.data.reservationId);
  // Decide resolves only open reservations and the store refuses a second resolution event
  // (docs/domain.md), so a resolution of a reservation that is not open means a corrupted stream.
  if (reservation === undefined) throw unexpected(draft, event, `reservation ${event.data.reservationId} is not open`);
  return reservation;
}

function unexpected(draft: Draft, event: BudgetEvent, reason: string): UnexpectedEventError {
  return new UnexpectedEventError(budgetStreamId(draft.rootAgentId), event.type, reason);
}

function termsOf(data: PolicyTermsData): PolicyTerms {
  const { currency, timeWindow, windowType, timezone } = data;
  return { limitNanos: BigInt(data.limitNanos), currency, timeWindow, windowType, timezone };
}

function policyOf(draft: Draft, event: BudgetEvent & { data: { policyId: string } }): PolicyState {
  const policy = draft.policies.get(event.data.policyId);
  // Only a corrupted or mis-routed stream changes a policy it never created.
  if (policy === undefined) throw unexpected(draft, event, `unknown policy ${event.data.policyId}`);
  return policy;
}
