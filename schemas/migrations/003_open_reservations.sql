-- Holds not yet settled, released or expired. Written in the same transaction as the budget
-- events, so a restarted gateway knows which budget streams have holds to expire.
CREATE TABLE IF NOT EXISTS open_reservations (
  reservation_id uuid PRIMARY KEY,
  root_agent_id  uuid NOT NULL,
  agent_id       uuid NOT NULL,
  amount_nanos   bigint NOT NULL,
  currency       text NOT NULL,
  expires_at     timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS open_reservations_expiry_idx ON open_reservations (expires_at);
