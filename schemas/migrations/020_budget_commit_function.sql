-- The budget commit's statement (apps/gateway/src/budget/budget-transaction.hook.ts) as a function
-- whose statements keep one generic plan per connection.
--
-- As a prepared statement, PostgreSQL planned it anew at every bind: it keeps a custom plan when
-- the generic one never looks cheaper, and the generic plan's estimate for `unnest` of parameter
-- arrays is ten rows each against the custom plan's one. That planning was 0.3 ms of the hold's
-- round trip at c=1, more than its execution (docs/benchmarks.md, "Where the added latency at
-- c=1 goes"). The function's own `plan_cache_mode` applies to the statements inside it only,
-- which PL/pgSQL prepares once per connection; the call itself is cheap to plan.
--
-- What it does is unchanged (migrations 015 and 018): the path agents' rows locked FOR SHARE in
-- agent id order and their status re-read (CE010 when a hold is opened on a path with an agent
-- that is not active), the streams' open holds written, and the remembered access confirmed
-- (CE012 naming the keys whose key is no longer active or whose allowlist entry is removed).
-- Same SQL on PostgreSQL 15+ and PGlite.
CREATE FUNCTION caracal_budget_commit(
  p_path_agents uuid[],
  p_roots uuid[],
  p_open_holds integer[],
  p_next_expiries timestamptz[],
  p_opens_holds boolean,
  p_key_ids text[],
  p_entry_ids uuid[]
) RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_inactive uuid[];
  v_stale text[];
BEGIN
  SELECT array_agg(agent_id ORDER BY agent_id) FILTER (WHERE status <> 'active') INTO v_inactive
    FROM (SELECT agent_id, status FROM agents WHERE agent_id = ANY(p_path_agents) ORDER BY agent_id FOR SHARE) AS path;
  IF p_opens_holds AND v_inactive IS NOT NULL THEN
    PERFORM caracal_refuse_inactive_path(v_inactive);
  END IF;

  INSERT INTO budget_open_holds AS h (root_agent_id, open_holds, next_expires_at)
  SELECT * FROM unnest(p_roots, p_open_holds, p_next_expiries)
  ON CONFLICT (root_agent_id) DO UPDATE SET open_holds = excluded.open_holds, next_expires_at = excluded.next_expires_at;

  SELECT array_agg(DISTINCT c.key_id) INTO v_stale
    FROM unnest(p_key_ids, p_entry_ids) AS c(key_id, entry_id)
   WHERE NOT EXISTS (SELECT 1 FROM agent_keys k WHERE k.key_id = c.key_id AND k.status = 'active')
      OR NOT EXISTS (SELECT 1 FROM allowlist_entries e WHERE e.entry_id = c.entry_id AND e.removed_at IS NULL);
  IF v_stale IS NOT NULL THEN
    PERFORM caracal_refuse_stale_access(v_stale);
  END IF;
END
$$;
