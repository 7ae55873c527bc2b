-- One row per budget stream with holds: how many are open and when the first one expires. It
-- replaces open_reservations (a row inserted and deleted per hold), which left a dead tuple per
-- request for vacuum to clean: on a server where vacuum falls behind (or is off) the expiry
-- sweep and the open-holds gauge slowed with every request served. This row is updated in place
-- by each commit of its stream; with no index but the key, those updates are HOT and pruned
-- without vacuum.
CREATE TABLE IF NOT EXISTS budget_open_holds (
  root_agent_id   uuid PRIMARY KEY,
  open_holds      integer NOT NULL CHECK (open_holds >= 0),
  -- NULL when no hold is open.
  next_expires_at timestamptz
);

INSERT INTO budget_open_holds (root_agent_id, open_holds, next_expires_at)
SELECT root_agent_id, count(*), min(expires_at) FROM open_reservations GROUP BY root_agent_id
ON CONFLICT (root_agent_id) DO NOTHING;

DROP TABLE IF EXISTS open_reservations;
