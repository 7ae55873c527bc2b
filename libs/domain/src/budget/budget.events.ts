import type { TimeWindow, WindowType } from './policy-terms.js';
import type { ReservationEvent } from './reservation.events.js';

/** The full terms of a policy version, as stored: money as decimal strings, never a JS number. */
export interface PolicyTermsData {
  /** The limit in nano-units, as a decimal integer string ("100000000000"). */
  limitNanos: string;
  /** The same limit formatted for people ("100.00"). */
  limit: string;
  currency: string;
  timeWindow: TimeWindow;
  windowType: WindowType;
  timezone: string;
}

export interface BudgetPolicyCreated {
  type: 'BudgetPolicyCreated';
  schemaVersion: 1;
  data: { policyId: string; agentId: string; version: 1 } & PolicyTermsData & { changeReason: string; actor: string };
}

export interface BudgetPolicyChanged {
  type: 'BudgetPolicyChanged';
  schemaVersion: 1;
  /** Carries the complete new terms, so a version's history needs no folding. */
  data: { policyId: string; agentId: string; version: number } & PolicyTermsData & { changeReason: string; actor: string };
}

export interface BudgetPolicyDeactivated {
  type: 'BudgetPolicyDeactivated';
  schemaVersion: 1;
  data: { policyId: string; agentId: string; version: number; changeReason: string; actor: string };
}

export type BudgetPolicyEvent = BudgetPolicyCreated | BudgetPolicyChanged | BudgetPolicyDeactivated;

export type BudgetEvent = BudgetPolicyEvent | ReservationEvent;
