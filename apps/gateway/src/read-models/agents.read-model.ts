import { Inject, Injectable } from '@nestjs/common';
import type { EventStore } from '@caracal/event-store';
import type { SqlClient } from '@caracal/event-store';
import type { Agent, ApiKeyInfo, HistoryEntry, Page } from '@caracal/api-contract';
import { EVENT_STORE, SQL_CLIENT } from '../injection-tokens.js';
import { buildListQuery } from './list-filter.js';
import { toPage } from './page-cursor.js';

export interface AgentListFilter {
  owner?: string;
  status?: string;
  parentAgentId?: string;
  name?: string;
  limit: number;
  cursor?: string;
}

type Row = Record<string, unknown>;

@Injectable()
export class AgentsReadModel {
  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** The agent's own stream is its history: every change, who made it and when. */
  async history(agentId: string): Promise<HistoryEntry[]> {
    const events = await this.store.readStream(`agent-${agentId}`);
    return events.map((e) => ({
      version: Number(e.streamPosition),
      type: e.type,
      data: e.data,
      actor: typeof e.metadata.actor === 'string' ? e.metadata.actor : null,
      recordedAt: e.recordedAt.toISOString(),
    }));
  }

  async get(agentId: string): Promise<Agent | null> {
    const { rows } = await this.sql.query('SELECT * FROM agents WHERE agent_id = $1', [agentId]);
    return rows.length === 0 ? null : toAgentView(rows[0]);
  }

  async list(filter: AgentListFilter): Promise<Page<Agent>> {
    const { sql, params } = buildListQuery(
      'agents',
      'agent_id',
      { owner: filter.owner, status: filter.status, parent_agent_id: filter.parentAgentId, name: filter.name },
      filter.cursor,
      filter.limit,
    );
    const { rows } = await this.sql.query(sql, params);
    return toPage(rows, filter.limit, toAgentView, (r) => ({ createdAt: iso(r.created_at), id: String(r.agent_id) }));
  }

  async keys(agentId: string): Promise<ApiKeyInfo[]> {
    const { rows } = await this.sql.query(
      'SELECT key_id, agent_id, status, created_at, revoked_at FROM agent_keys WHERE agent_id = $1 ORDER BY created_at, key_id',
      [agentId],
    );
    return rows.map(toKeyView);
  }

  async key(keyId: string): Promise<ApiKeyInfo | null> {
    const { rows } = await this.sql.query(
      'SELECT key_id, agent_id, status, created_at, revoked_at FROM agent_keys WHERE key_id = $1',
      [keyId],
    );
    return rows.length === 0 ? null : toKeyView(rows[0]);
  }
}

function toAgentView(r: Row): Agent {
  return {
    agentId: String(r.agent_id),
    name: String(r.name),
    description: String(r.description),
    owner: String(r.owner),
    parentAgentId: r.parent_agent_id === null ? null : String(r.parent_agent_id),
    rootAgentId: String(r.root_agent_id),
    status: r.status as Agent['status'],
    suspendedReason: (r.suspended_reason as string | null) ?? null,
    metadata: r.metadata as Record<string, string>,
    version: Number(r.version),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

function toKeyView(r: Row): ApiKeyInfo {
  return {
    keyId: String(r.key_id),
    agentId: String(r.agent_id),
    status: r.status as ApiKeyInfo['status'],
    createdAt: iso(r.created_at),
    revokedAt: r.revoked_at === null ? null : iso(r.revoked_at),
  };
}

export function iso(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}
