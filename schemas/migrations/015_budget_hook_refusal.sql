-- The budget commit's refusal (apps/gateway/src/budget/budget-transaction.hook.ts): the hook's
-- statement raises it itself when an agent on an admitted path is not active, instead of returning
-- the agents for the gateway to check, so that the statement can carry the transaction's COMMIT
-- (one round trip) and nothing commits when it raises.
--   CE010 agents on the path not active, DETAIL = their ids, comma-separated.
CREATE OR REPLACE FUNCTION caracal_refuse_inactive_path(p_agent_ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'agents on an admitted path are not active'
    USING ERRCODE = 'CE010', DETAIL = array_to_string(p_agent_ids, ',');
END
$$;
