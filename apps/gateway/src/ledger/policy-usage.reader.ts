import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, policyUsage } from '@caracal/domain';
import type { EventStore, SqlClient } from '@caracal/event-store';
import { formatAmount } from '@caracal/money';
import type { PolicyUsage } from '@caracal/api-contract';
import { loadBudgetState } from '../budget/budget-state.loader.js';
import { EVENT_STORE, SQL_CLIENT } from '../injection-tokens.js';

/**
 * "How much is left?" answered from the budget stream itself (the same fold the gateway admits
 * with, held amounts included), not from an eventually consistent read model.
 */
@Injectable()
export class PolicyUsageReader {
  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async forAgent(agentId: string, timeWindow: string, now: Date): Promise<PolicyUsage[]> {
    const { rows } = await this.sql.query<{ root_agent_id: string; ancestor_ids: string[] }>(
      'SELECT root_agent_id, ancestor_ids FROM agents WHERE agent_id = $1',
      [agentId],
    );
    if (rows.length === 0) throw new NotFoundError('agent', agentId);
    const path = new Set([...rows[0].ancestor_ids, agentId]);
    const { state } = await loadBudgetState(this.store, String(rows[0].root_agent_id));
    const views: PolicyUsage[] = [];
    for (const policy of state.policies.values()) {
      if (!policy.active || policy.timeWindow !== timeWindow || !path.has(policy.agentId)) continue;
      const usage = policyUsage(state, policy.policyId, now);
      if (usage === null) continue;
      views.push({
        policyId: policy.policyId,
        agentId: policy.agentId,
        timeWindow: policy.timeWindow,
        windowType: policy.windowType,
        timezone: policy.timezone,
        currency: policy.currency,
        limit: formatAmount(usage.limitNanos),
        spent: formatAmount(usage.spentNanos),
        held: formatAmount(usage.heldNanos),
        remaining: formatAmount(usage.remainingNanos),
        windowStart: usage.windowStart,
        windowEnd: usage.windowEnd,
      });
    }
    return views;
  }
}
