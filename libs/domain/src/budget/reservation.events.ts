// Reservation events on the budget stream of the delegation root. Money is a decimal string of
// nano-units; timestamps are ISO 8601 strings (UTC, `Date.prototype.toISOString`).

/** Token counts (or other units) reported by the upstream; null when the upstream did not say. */
export type SpendUsage = Readonly<Record<string, number | null>>;

export interface SpendReserved {
  type: 'SpendReserved';
  schemaVersion: 1;
  data: {
    reservationId: string;
    agentId: string;
    /** The agent and its ancestors, root first, ending with agentId: the subtrees charged. */
    agentPath: string[];
    requestId: string;
    /** The normalised URL, or `upstream/model` for named upstreams. */
    resource: string;
    model: string | null;
    amountNanos: string;
    currency: string;
    /** Every policy the hold was checked against (the agent's and its ancestors' in this currency). */
    policyIds: string[];
    occurredAt: string;
    expiresAt: string;
  };
}

/**
 * The facts of the hold a charge resolves, copied onto the charge so it is self-describing: a
 * consumer (the ledger, the spending fold, a Kafka subscriber) needs no hold table to place it.
 */
export interface ChargedHold {
  /** The agent and its ancestors, root first, ending with agentId: the subtrees charged. */
  agentPath: string[];
  resource: string;
  model: string | null;
  currency: string;
  /** The hold's occurredAt: the policy window the charge counts in (docs/domain.md). */
  reservedAt: string;
}

export interface SpendSettled {
  type: 'SpendSettled';
  schemaVersion: 1;
  data: ChargedHold & {
    reservationId: string;
    agentId: string;
    /** The actual cost, charged in full (overage included). */
    amountNanos: string;
    heldNanos: string;
    /** amount − held when the actual cost exceeded the hold, else "0". */
    overageNanos: string;
    usage: SpendUsage;
    pricebookVersion: string;
    occurredAt: string;
  };
}

export interface ReservationReleased {
  type: 'ReservationReleased';
  schemaVersion: 1;
  data: { reservationId: string; agentId: string; reason: string; occurredAt: string };
}

export interface ReservationExpired {
  type: 'ReservationExpired';
  schemaVersion: 1;
  /** Charged at the held amount: fail closed. */
  data: ChargedHold & { reservationId: string; agentId: string; amountNanos: string; occurredAt: string };
}

export const DENIAL_REASONS = ['budget_exceeded', 'agent_suspended', 'resource_not_allowed', 'unpriced_resource'] as const;
export type DenialReason = (typeof DENIAL_REASONS)[number];

/** A request refused before forwarding. Audit only: it changes no budget state. */
export interface SpendDenied {
  type: 'SpendDenied';
  schemaVersion: 1;
  data: { requestId: string; agentId: string; reason: DenialReason; policyId: string | null; resource: string; occurredAt: string };
}

export type ReservationEvent = SpendReserved | SpendSettled | ReservationReleased | ReservationExpired | SpendDenied;
