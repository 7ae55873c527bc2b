import type { AgentStatus } from '../agent/agent.state.js';
import type { DenialReason, SpendUsage } from './reservation.events.js';

/** One agent on the path to the root, as the handler loaded it. */
export interface ChainAgent {
  agentId: string;
  status: AgentStatus;
}

export interface ReserveSpend {
  type: 'ReserveSpend';
  reservationId: string;
  requestId: string;
  agentId: string;
  /** The agent and its ancestors, root first, ending with the agent itself. */
  agentChain: readonly ChainAgent[];
  resource: string;
  model: string | null;
  /** The worst-case cost, in nano-units. */
  amountNanos: bigint;
  currency: string;
  now: Date;
  /** How long the hold lives before ExpireReservations charges it (1 s … 24 h). */
  ttlMs: number;
}

export interface SettleSpend {
  type: 'SettleSpend';
  reservationId: string;
  /** The actual cost, in nano-units; may exceed the hold (recorded as overage). */
  amountNanos: bigint;
  usage: SpendUsage;
  pricebookVersion: string;
  now: Date;
}

export interface ReleaseReservation {
  type: 'ReleaseReservation';
  reservationId: string;
  /** e.g. 'upstream_error'. */
  reason: string;
  now: Date;
}

export interface ExpireReservations {
  type: 'ExpireReservations';
  now: Date;
}

export type ReservationCommand = ReserveSpend | SettleSpend | ReleaseReservation | ExpireReservations;

/** A refusal the gateway records with recordDenials, in batches, off the hot path. */
export interface SpendDenial {
  requestId: string;
  agentId: string;
  reason: DenialReason;
  policyId: string | null;
  resource: string;
  now: Date;
}
