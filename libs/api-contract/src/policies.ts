// Budget policies (docs/api.md "Policies"). The domain checks terms against these same lists.

export const TIME_WINDOWS = ['hourly', 'daily', 'weekly', 'monthly', 'total'] as const;
export type TimeWindow = (typeof TIME_WINDOWS)[number];

export const WINDOW_TYPES = ['calendar', 'rolling'] as const;
export type WindowType = (typeof WINDOW_TYPES)[number];

/** The terms every version of a policy carries. */
export interface PolicyTermsView {
  /** Decimal string, e.g. "100.00": money is never a JSON number. */
  limit: string;
  currency: string;
  timeWindow: string;
  windowType: string;
  timezone: string;
  active: boolean;
}

export interface Policy extends PolicyTermsView {
  policyId: string;
  agentId: string;
  version: number;
  changeReason: string;
  changedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** One version of a policy's terms (GET /v1/policies/{policyId}/history). */
export interface PolicyVersion extends PolicyTermsView {
  policyId: string;
  version: number;
  changeReason: string;
  actor: string;
  recordedAt: string;
}
