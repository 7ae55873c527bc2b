import { Inject, Injectable } from '@nestjs/common';
import type { SqlClient } from '@caracal/event-store';
import { SQL_CLIENT } from '../injection-tokens.js';

export type AllowlistEntryRow = {
  entry_id: string;
  pattern: string;
  pattern_type: string;
};

/** Everything the proxy checks before pricing, as the database holds it now. */
export interface AgentAccess {
  agentId: string;
  keyHash: string;
  keyStatus: string;
  /** null when the key's agent has no row. */
  rootAgentId: string | null;
  /** Root first, parent last. */
  ancestorIds: string[];
  /** Status of the agent and of each ancestor that has a row. */
  statuses: Map<string, string>;
  /** The agent's current allowlist entries, oldest first. */
  entries: AllowlistEntryRow[];
}

type AccessRow = {
  key_id: string;
  agent_id: string;
  key_hash: string;
  key_status: string;
  root_agent_id: string | null;
  ancestor_ids: string[] | null;
  chain: { agent_id: string; status: string }[] | null;
  entries: AllowlistEntryRow[] | null;
};

// The order entries are matched in (the first match decides); `allowlist test` reads them in it too.
const ENTRY_ORDER = 'e.created_at, e.entry_id';

// One statement, one round trip, one snapshot: for each key, the key, the statuses along the
// agent's path and its allowlist entries. Read for every request (no cache), so a revoked key, a
// suspension or a removed entry applies to the very next request. `= ANY(array)` keeps the
// lookups on the primary keys.
const ACCESS_SQL = `
SELECT k.key_id, k.agent_id, k.key_hash, k.status AS key_status, me.root_agent_id, me.ancestor_ids,
  (SELECT json_agg(json_build_object('agent_id', a.agent_id, 'status', a.status))
     FROM agents a
    WHERE a.agent_id = ANY (ARRAY(SELECT jsonb_array_elements_text(me.ancestor_ids)::uuid) || me.agent_id)) AS chain,
  (SELECT json_agg(json_build_object('entry_id', e.entry_id, 'pattern', e.pattern, 'pattern_type', e.pattern_type) ORDER BY ${ENTRY_ORDER})
     FROM allowlist_entries e
    WHERE e.agent_id = k.agent_id AND e.removed_at IS NULL) AS entries
FROM agent_keys k
LEFT JOIN agents me ON me.agent_id = k.agent_id
WHERE k.key_id = ANY ($1::text[])`;

/** Keys per statement: a bound on the statement's size, far above what waits at once. */
const MAX_KEYS = 512;

interface PendingRead {
  keyId: string;
  resolve(access: AgentAccess | null): void;
  reject(error: unknown): void;
}

/**
 * Reads an agent key's row together with what the proxy checks next, in one round trip. Reads
 * group like the budget's commits: the first runs at once; those that arrive while it is in
 * flight wait for it and then go together in the next statement, whose snapshot is taken after
 * they arrived, so each request still sees the database as it was when it came in or later. Under
 * load that is one statement for many requests instead of one each.
 */
@Injectable()
export class AgentAccessReader {
  private queue: PendingRead[] = [];
  private reading = false;

  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  /** The agent's current allowlist entries, as `read` returns them with a key. */
  async entriesOf(agentId: string): Promise<AllowlistEntryRow[]> {
    const { rows } = await this.sql.query<AllowlistEntryRow>(
      `SELECT e.entry_id, e.pattern, e.pattern_type FROM allowlist_entries e WHERE e.agent_id = $1 AND e.removed_at IS NULL ORDER BY ${ENTRY_ORDER}`,
      [agentId],
    );
    return rows;
  }

  /** null when no key has this id. */
  read(keyId: string): Promise<AgentAccess | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ keyId, resolve, reject });
      if (!this.reading) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.reading = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_KEYS);
        try {
          const keyIds = [...new Set(batch.map((pending) => pending.keyId))];
          const { rows } = await this.sql.query<AccessRow>(ACCESS_SQL, [keyIds], 'proxy_agent_access');
          const byKey = new Map(rows.map((row) => [row.key_id, toAccess(row)]));
          for (const pending of batch) pending.resolve(byKey.get(pending.keyId) ?? null);
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.reading = false;
    }
  }
}

function toAccess(row: AccessRow): AgentAccess {
  return {
    agentId: String(row.agent_id),
    keyHash: row.key_hash,
    keyStatus: row.key_status,
    rootAgentId: row.root_agent_id === null ? null : String(row.root_agent_id),
    ancestorIds: row.ancestor_ids ?? [],
    statuses: new Map((row.chain ?? []).map((agent) => [agent.agent_id, agent.status])),
    entries: row.entries ?? [],
  };
}
