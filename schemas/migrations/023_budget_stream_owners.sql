-- Which gateway process writes a contended budget stream (docs/gateway.md, "One writer per hot
-- budget"). A process claims a stream once another process has written to it; the others forward
-- that stream's holds and resolutions to the owner instead of queueing on the stream's row lock.
-- The row is routing only: every commit still checks the stream's version (or holds its lock), so
-- two processes that both believe they own a stream stay correct, only slower. The lease is
-- extended by the owner while it uses the stream and lapses when it stops or dies.
CREATE TABLE IF NOT EXISTS budget_stream_owners (
  root_agent_id uuid PRIMARY KEY,
  -- Where the owner takes forwarded commands: its gateway's URL.
  owner_url     text NOT NULL,
  lease_until   timestamptz NOT NULL
);
