import type { BudgetCommand } from '@caracal/domain';
import type { SqlStatement } from '@caracal/event-store';
import type { OpenHolds } from './open-holds.js';
import { RedecideError } from './redecide.error.js';
import type { RememberedAccess } from './remembered-access.js';

/** One budget stream's part of a commit: the events it appends, the commands they decide, the holds left open. */
export interface BudgetStreamCommitted {
  rootAgentId: string;
  events: readonly { type: string }[];
  commands: readonly BudgetCommand[];
  openHolds: OpenHolds;
  /** The admitted holds that rest on remembered access, to confirm. */
  accessChecks: readonly RememberedAccess[];
}

/**
 * The statement that ends each budget commit (one stream's group commit, or several streams' in
 * one transaction), after the events are inserted: the transaction's last, which also carries
 * the COMMIT, and the insert too (AppendOptions, LockedAppendOptions and
 * MultiStreamAppendOptions.commitStatement: one round trip; several streams' commit takes two
 * when a stream's version moved). Each round trip here is time the streams are busy.
 * 1. Locks the rows of every agent on the admitted paths (FOR SHARE) and re-reads their status.
 *    A suspension that committed after we decided makes the statement raise (CE010), so nothing
 *    commits and we decide again; one still in flight waits for us. Either way no admission
 *    commits after a suspension of its path commits.
 * 2. Writes each stream's open holds (how many, the first expiry) to `budget_open_holds`, so any
 *    process can find holds to expire after a crash, and the gauge can count them.
 * 3. Confirms the access that holds were admitted on from memory (RememberedAccess): the key
 *    still active, the allowlist entry not removed; else it raises (CE012) and nothing commits.
 * The store has projected policy events (rare) into the admin read model before (adminProjection).
 * Its failure reaches the caller as the database's error: budgetCommitFailure reads it.
 * Two forms of one statement: scalar parameters for the common commit (one stream, one path
 * agent, one remembered access: ONE_STREAM_STATEMENT, planned once), arrays for the rest.
 */
export function budgetCommitStatement(committed: readonly BudgetStreamCommitted[]): SqlStatement {
  const pathAgents = new Set<string>();
  let opened = 0;
  for (const { events, commands } of committed) {
    for (const command of commands) {
      if (command.type === 'ReserveSpend') command.agentChain.forEach((agent) => pathAgents.add(agent.agentId));
    }
    opened += events.filter((event) => event.type === 'SpendReserved').length;
  }
  // A batch's holds on remembered access mostly rest on the same key and entry: each pair once.
  const checks = new Map<string, RememberedAccess>();
  for (const stream of committed) for (const check of stream.accessChecks) checks.set(`${check.keyId}/${check.entryId}`, check);
  if (committed.length === 1 && pathAgents.size <= 1 && checks.size <= 1) {
    const [stream] = committed;
    const [agentId] = pathAgents;
    const [check] = checks.values();
    const params = [agentId ?? null, stream.rootAgentId, stream.openHolds.count, expiryOf(stream.openHolds), opened > 0, check?.keyId ?? null, check?.entryId ?? null];
    return { sql: ONE_STREAM_STATEMENT, params, preparedName: ONE_STREAM_STATEMENT_NAME };
  }
  const params = [
    [...pathAgents],
    committed.map((stream) => stream.rootAgentId),
    committed.map((stream) => stream.openHolds.count),
    committed.map((stream) => expiryOf(stream.openHolds)),
    opened > 0,
    [...checks.values()].map((check) => check.keyId),
    [...checks.values()].map((check) => check.entryId),
  ];
  return { sql: HOOK_STATEMENT, params, preparedName: HOOK_STATEMENT_NAME };
}

function expiryOf(openHolds: OpenHolds): string | null {
  return openHolds.nextExpiresAtMs === null ? null : new Date(openHolds.nextExpiresAtMs).toISOString();
}

/** A budget commit's failure as its writer handles it: inactive path agents or stale access → RedecideError. */
export function budgetCommitFailure(error: unknown): unknown {
  const { code, detail } = error as { code?: string; detail?: string };
  const ids = (detail ?? '').split(',').filter(Boolean);
  if (code === PATH_NOT_ACTIVE) return new RedecideError(ids);
  if (code === ACCESS_STALE) return new RedecideError([], ids);
  return error;
}

/** SQLSTATE of caracal_refuse_inactive_path (schemas/migrations/015_budget_hook_refusal.sql). */
const PATH_NOT_ACTIVE = 'CE010';
/** SQLSTATE of caracal_refuse_stale_access (schemas/migrations/018_one_round_trip_hold.sql). */
const ACCESS_STALE = 'CE012';
const HOOK_STATEMENT_NAME = 'caracal_budget_commit_hook';
const ONE_STREAM_STATEMENT_NAME = 'caracal_budget_commit_hook_one';

// $1 path agents; $2..$4 per stream: root, open holds, first expiry; $5 whether holds are opened
// (only those are refused); $6, $7 per remembered access: key id, allowlist entry id. Raises CE010
// naming the path agents that are not active (a SELECT's FOR SHARE lock is taken on every row the
// CTE reads, even when filtered here; the select list runs only for a group that HAVING keeps),
// then CE012 naming the keys whose remembered access no longer holds.
const HOOK_STATEMENT = `
WITH path AS (
  SELECT agent_id, status FROM agents WHERE agent_id = ANY($1::uuid[]) ORDER BY agent_id FOR SHARE
), holds AS (
  INSERT INTO budget_open_holds AS h (root_agent_id, open_holds, next_expires_at)
  SELECT * FROM unnest($2::uuid[], $3::integer[], $4::timestamptz[])
  ON CONFLICT (root_agent_id) DO UPDATE SET open_holds = excluded.open_holds, next_expires_at = excluded.next_expires_at
), stale AS (
  SELECT c.key_id FROM unnest($6::text[], $7::uuid[]) AS c(key_id, entry_id)
   WHERE NOT EXISTS (SELECT 1 FROM agent_keys k WHERE k.key_id = c.key_id AND k.status = 'active')
      OR NOT EXISTS (SELECT 1 FROM allowlist_entries e WHERE e.entry_id = c.entry_id AND e.removed_at IS NULL)
)
SELECT caracal_refuse_inactive_path(array_agg(agent_id ORDER BY agent_id))
  FROM path WHERE status <> 'active' AND $5::boolean
HAVING count(*) > 0
UNION ALL
SELECT caracal_refuse_stale_access(array_agg(DISTINCT key_id))
  FROM stale
HAVING count(*) > 0`;

// The same for the common commit: one stream, at most one agent on the admitted paths (a root
// agent's own requests) and at most one remembered access. $1 the path agent; $2..$4 the stream's
// root, open holds, first expiry; $5 as above; $6, $7 the access's key and entry (NULL: none).
// Its parameters are scalars, so PostgreSQL's generic plan costs what a custom one does and is
// kept after five executions. The array form's generic plan looks ten rows wide, so while its
// arrays are short it is planned at every call (0.25-0.29 ms, against 0.07-0.13 ms to execute;
// docs/benchmarks.md, seventh session), and this is the request path's hold.
const ONE_STREAM_STATEMENT = `
WITH path AS (
  SELECT agent_id, status FROM agents WHERE agent_id = $1::uuid FOR SHARE
), holds AS (
  INSERT INTO budget_open_holds AS h (root_agent_id, open_holds, next_expires_at) VALUES ($2::uuid, $3::integer, $4::timestamptz)
  ON CONFLICT (root_agent_id) DO UPDATE SET open_holds = excluded.open_holds, next_expires_at = excluded.next_expires_at
), stale AS (
  SELECT $6::text AS key_id
   WHERE $6::text IS NOT NULL
     AND (NOT EXISTS (SELECT 1 FROM agent_keys k WHERE k.key_id = $6::text AND k.status = 'active')
          OR NOT EXISTS (SELECT 1 FROM allowlist_entries e WHERE e.entry_id = $7::uuid AND e.removed_at IS NULL))
)
SELECT caracal_refuse_inactive_path(array_agg(agent_id))
  FROM path WHERE status <> 'active' AND $5::boolean
HAVING count(*) > 0
UNION ALL
SELECT caracal_refuse_stale_access(array_agg(key_id))
  FROM stale
HAVING count(*) > 0`;
