import { Inject, Injectable } from '@nestjs/common';
import type { SqlClient } from '@caracal/event-store';
import type { AllowlistEntry, Page } from '@caracal/api-contract';
import { SQL_CLIENT } from '../injection-tokens.js';
import { iso } from './agents.read-model.js';
import { buildListQuery } from './list-filter.js';
import { toPage } from './page-cursor.js';

export interface AllowlistListFilter {
  agentId?: string;
  limit: number;
  cursor?: string;
}

type Row = Record<string, unknown>;

@Injectable()
export class AllowlistsReadModel {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  async get(entryId: string): Promise<AllowlistEntry | null> {
    const { rows } = await this.sql.query('SELECT * FROM allowlist_entries WHERE entry_id = $1', [entryId]);
    return rows.length === 0 ? null : toEntryView(rows[0]);
  }

  /** Active entries only: removed ones stay in the table for the record. */
  async list(filter: AllowlistListFilter): Promise<Page<AllowlistEntry>> {
    const { sql, params } = buildListQuery(
      '(SELECT * FROM allowlist_entries WHERE removed_at IS NULL) AS active_entries',
      'entry_id',
      { agent_id: filter.agentId },
      filter.cursor,
      filter.limit,
    );
    const { rows } = await this.sql.query(sql, params);
    return toPage(rows, filter.limit, toEntryView, (r) => ({ createdAt: iso(r.created_at), id: String(r.entry_id) }));
  }
}

export function toEntryView(r: Row): AllowlistEntry {
  return {
    entryId: String(r.entry_id),
    agentId: String(r.agent_id),
    pattern: String(r.pattern),
    patternType: r.pattern_type as AllowlistEntry['patternType'],
    createdAt: iso(r.created_at),
    removedAt: r.removed_at === null || r.removed_at === undefined ? null : iso(r.removed_at),
  };
}
