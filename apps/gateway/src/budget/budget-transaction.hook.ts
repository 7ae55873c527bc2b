import type { BudgetCommand } from '@caracal/domain';
import type { RecordedEvent, SqlExecutor } from '@caracal/event-store';
import type { OpenHolds } from './open-holds.js';
import { RedecideError } from './redecide.error.js';

/** One budget stream's part of a commit: the events it appended, the commands they decide, the holds left open. */
export interface BudgetStreamCommitted {
  rootAgentId: string;
  events: readonly RecordedEvent[];
  commands: readonly BudgetCommand[];
  openHolds: OpenHolds;
}

/**
 * Runs inside each budget commit (one stream's group commit, or several streams' in one
 * transaction), after the events are inserted, as ONE statement, the transaction's last, which
 * also carries the COMMIT where the client can send it along (queryThenCommit): each round trip
 * here is time the streams are busy.
 * 1. Locks the rows of every agent on the admitted paths (FOR SHARE) and re-reads their status.
 *    A suspension that committed after we decided makes the statement raise (CE010), so nothing
 *    commits and we decide again; one still in flight waits for us. Either way no admission
 *    commits after a suspension of its path commits.
 * 2. Writes each stream's open holds (how many, the first expiry) to `budget_open_holds`, so any
 *    process can find holds to expire after a crash, and the gauge can count them.
 * The store has projected policy events (rare) into the admin read model before (adminProjection).
 */
export async function budgetTransactionHook(tx: SqlExecutor, committed: readonly BudgetStreamCommitted[]): Promise<void> {
  const pathAgents = new Set<string>();
  let opened = 0;
  for (const { events, commands } of committed) {
    for (const command of commands) {
      if (command.type === 'ReserveSpend') command.agentChain.forEach((agent) => pathAgents.add(agent.agentId));
    }
    opened += events.filter((event) => event.type === 'SpendReserved').length;
  }
  const params = [
    [...pathAgents],
    committed.map((stream) => stream.rootAgentId),
    committed.map((stream) => stream.openHolds.count),
    committed.map((stream) => (stream.openHolds.nextExpiresAtMs === null ? null : new Date(stream.openHolds.nextExpiresAtMs).toISOString())),
    opened > 0,
  ];
  try {
    if (tx.queryThenCommit) await tx.queryThenCommit(HOOK_STATEMENT, params, HOOK_STATEMENT_NAME);
    else await tx.query(HOOK_STATEMENT, params, HOOK_STATEMENT_NAME);
  } catch (error) {
    const { code, detail } = error as { code?: string; detail?: string };
    if (code === PATH_NOT_ACTIVE) throw new RedecideError((detail ?? '').split(',').filter(Boolean));
    throw error;
  }
}

/** SQLSTATE of caracal_refuse_inactive_path (schemas/migrations/015_budget_hook_refusal.sql). */
const PATH_NOT_ACTIVE = 'CE010';
const HOOK_STATEMENT_NAME = 'caracal_budget_commit_hook';

// $1 path agents; $2..$4 per stream: root, open holds, first expiry; $5 whether holds are opened
// (only those are refused). Raises CE010 naming the path agents that are not active (a SELECT's
// FOR SHARE lock is taken on every row the CTE reads, even when filtered here; the select list
// runs only for a group that HAVING keeps).
const HOOK_STATEMENT = `
WITH path AS (
  SELECT agent_id, status FROM agents WHERE agent_id = ANY($1::uuid[]) ORDER BY agent_id FOR SHARE
), holds AS (
  INSERT INTO budget_open_holds AS h (root_agent_id, open_holds, next_expires_at)
  SELECT * FROM unnest($2::uuid[], $3::integer[], $4::timestamptz[])
  ON CONFLICT (root_agent_id) DO UPDATE SET open_holds = excluded.open_holds, next_expires_at = excluded.next_expires_at
)
SELECT caracal_refuse_inactive_path(array_agg(agent_id ORDER BY agent_id))
  FROM path WHERE status <> 'active' AND $5::boolean
HAVING count(*) > 0`;
