-- What lets a request's admission take one round trip to the database: the append's version
-- guard (first) and the budget commit's check of remembered agent access (second).
--
-- A guard for appends whose next statements are already on the wire (one round trip: BEGIN, the
-- insert, the caller's last statement, COMMIT; libs/event-store/src/sql-event-store.ts, "one round
-- trip"). The single-statement insert writes nothing when the stream is not at the expected
-- version, and a statement that returns no rows does not stop the ones sent after it: the
-- caller's statement would run and COMMIT would commit it without the events. In that insert the
-- stream's base version goes through `coalesce(base, caracal_append_version_moved(...))`, which
-- runs only when there is no base: it raises, PostgreSQL skips the rest of the group up to its
-- Sync, and nothing commits. The store then appends again the ordinary way, where caracal_append
-- tells a wrong version from an idempotent replay.
--   CE011 the stream is not at the expected version, DETAIL = its version now (0: no stream).
CREATE OR REPLACE FUNCTION caracal_append_version_moved(p_stream_id text, p_expected bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_version bigint;
BEGIN
  SELECT version INTO v_version FROM streams WHERE stream_id = p_stream_id;
  RAISE EXCEPTION 'stream % is not at version %', p_stream_id, p_expected
    USING ERRCODE = 'CE011', DETAIL = coalesce(v_version, 0)::text;
END
$$;

-- The budget commit's second refusal (apps/gateway/src/budget/budget-transaction.hook.ts): a hold
-- admitted on an agent's access as the gateway remembered it (its key, the allowlist entry that
-- let the target through), not as read for this request, commits only if that key is still
-- active and that entry not removed. Otherwise nothing commits and the gateway reads the access
-- again before it answers (proxy/agent-key.authenticator.ts).
--   CE012 remembered access no longer holds, DETAIL = the key ids, comma-separated.
CREATE OR REPLACE FUNCTION caracal_refuse_stale_access(p_key_ids text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'remembered agent access no longer holds'
    USING ERRCODE = 'CE012', DETAIL = array_to_string(p_key_ids, ',');
END
$$;
