import type { BudgetCommand } from '@caracal/domain';
import type { RecordedEvent, SqlExecutor } from '@caracal/event-store';
import { RedecideError } from './redecide.error.js';

/** One budget stream's part of a commit: the events it appended and the commands they decide. */
export interface BudgetStreamCommitted {
  rootAgentId: string;
  events: readonly RecordedEvent[];
  commands: readonly BudgetCommand[];
}

/**
 * Runs inside each budget commit (one stream's group commit, or several streams' in one
 * transaction), after the events are inserted, as ONE statement (it sits inside the commit, so
 * each round trip here is time the streams are busy):
 * 1. Locks the rows of every agent on the admitted paths (FOR SHARE) and re-reads their status.
 *    A suspension that committed after we decided makes us decide again; one still in flight
 *    waits for us. Either way no admission commits after a suspension of its path commits.
 * 2. Keeps `open_reservations` in step, so any process can find holds to expire after a crash.
 * The store then projects policy events (rare) into the admin read model (adminProjection).
 */
export async function budgetTransactionHook(tx: SqlExecutor, committed: readonly BudgetStreamCommitted[]): Promise<void> {
  const pathAgents = new Set<string>();
  const opened: { root: string; data: Record<string, string> }[] = [];
  const closed: string[] = [];
  for (const { rootAgentId, events, commands } of committed) {
    for (const command of commands) {
      if (command.type === 'ReserveSpend') command.agentChain.forEach((agent) => pathAgents.add(agent.agentId));
    }
    for (const event of events) {
      if (event.type === 'SpendReserved') opened.push({ root: rootAgentId, data: event.data as Record<string, string> });
      else if (event.type === 'SpendSettled' || event.type === 'ReservationReleased' || event.type === 'ReservationExpired') {
        closed.push(String(event.data.reservationId));
      }
    }
  }
  if (pathAgents.size > 0 || opened.length > 0 || closed.length > 0) {
    const { rows } = await tx.query<{ agent_id: string }>(HOOK_STATEMENT, [
      [...pathAgents], opened.map((o) => o.root), opened.map((o) => o.data.reservationId), opened.map((o) => o.data.agentId),
      opened.map((o) => o.data.amountNanos), opened.map((o) => o.data.currency), opened.map((o) => o.data.expiresAt), closed,
    ], 'caracal_budget_commit_hook');
    if (rows.length > 0 && opened.length > 0) throw new RedecideError(rows.map((row) => String(row.agent_id)));
  }
}

// $1 path agents; $2..$7 opened holds' columns (root first); $8 closed reservation ids. Returns the
// path agents that are not active (a SELECT's FOR SHARE lock is taken even when filtered here).
const HOOK_STATEMENT = `
WITH path AS (
  SELECT agent_id, status FROM agents WHERE agent_id = ANY($1::uuid[]) ORDER BY agent_id FOR SHARE
), opened AS (
  INSERT INTO open_reservations (reservation_id, root_agent_id, agent_id, amount_nanos, currency, expires_at)
  SELECT r, root, a, n, c, x
    FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::bigint[], $6::text[], $7::timestamptz[]) AS t(root, r, a, n, c, x)
  ON CONFLICT (reservation_id) DO NOTHING
), closed AS (
  DELETE FROM open_reservations WHERE reservation_id = ANY($8::uuid[])
)
SELECT agent_id FROM path WHERE status <> 'active'`;
