import { Inject, Injectable } from '@nestjs/common';
import { formatAmount } from '@caracal/money';
import type { SqlClient } from '@caracal/event-store';
import type { Page, Policy, PolicyTermsView, PolicyVersion } from '@caracal/api-contract';
import { SQL_CLIENT } from '../injection-tokens.js';
import { iso } from './agents.read-model.js';
import { buildListQuery } from './list-filter.js';
import { toPage } from './page-cursor.js';

export interface PolicyListFilter {
  agentId?: string;
  active?: boolean;
  limit: number;
  cursor?: string;
}

type Row = Record<string, unknown>;

@Injectable()
export class PoliciesReadModel {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  async get(policyId: string): Promise<Policy | null> {
    const { rows } = await this.sql.query('SELECT * FROM policies WHERE policy_id = $1', [policyId]);
    return rows.length === 0 ? null : toPolicyView(rows[0]);
  }

  async list(filter: PolicyListFilter): Promise<Page<Policy>> {
    const { sql, params } = buildListQuery(
      'policies',
      'policy_id',
      { agent_id: filter.agentId, active: filter.active },
      filter.cursor,
      filter.limit,
    );
    const { rows } = await this.sql.query(sql, params);
    return toPage(rows, filter.limit, toPolicyView, (r) => ({ createdAt: iso(r.created_at), id: String(r.policy_id) }));
  }

  async history(policyId: string): Promise<PolicyVersion[]> {
    const { rows } = await this.sql.query('SELECT * FROM policy_versions WHERE policy_id = $1 ORDER BY version', [policyId]);
    return rows.map((r) => ({
      policyId: String(r.policy_id),
      version: Number(r.version),
      ...toTerms(r),
      changeReason: String(r.change_reason),
      actor: String(r.actor),
      recordedAt: iso(r.recorded_at),
    }));
  }
}

function toTerms(r: Row): PolicyTermsView {
  return {
    limit: formatAmount(BigInt(String(r.limit_nanos))),
    currency: String(r.currency),
    timeWindow: String(r.time_window),
    windowType: String(r.window_type),
    timezone: String(r.timezone),
    active: Boolean(r.active),
  };
}

function toPolicyView(r: Row): Policy {
  return {
    policyId: String(r.policy_id),
    agentId: String(r.agent_id),
    ...toTerms(r),
    version: Number(r.version),
    changeReason: String(r.change_reason),
    changedBy: String(r.changed_by),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}
