// Budget policies (docs/api.md "Policies"). The domain checks terms against these same lists.

export const TIME_WINDOWS = ['hourly', 'daily', 'weekly', 'monthly', 'total'] as const;
export type TimeWindow = (typeof TIME_WINDOWS)[number];

export const WINDOW_TYPES = ['calendar', 'rolling'] as const;
export type WindowType = (typeof WINDOW_TYPES)[number];

export interface Policy {
  policyId: string;
  agentId: string;
  /** Decimal string, e.g. "100.00": money is never a JSON number. */
  limit: string;
  currency: string;
  timeWindow: string;
  windowType: string;
  timezone: string;
  active: boolean;
  version: number;
  changeReason: string;
  changedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** One version of a policy's terms (GET /v1/policies/{policyId}/history). */
export interface PolicyVersion {
  policyId: string;
  version: number;
  limit: string;
  currency: string;
  timeWindow: string;
  windowType: string;
  timezone: string;
  active: boolean;
  changeReason: string;
  actor: string;
  recordedAt: string;
}
