-- Read models of the checkpointed processors (libs/projections, docs/projections.md):
-- ledger-writer-group (ledger_*) and metrics-aggregator-group (spending_*). Every table here is
-- a projection of the event log: `db reset` may empty it, replay rebuilds it row for row.
-- Agent and reservation ids are text: the domain does not require them to be uuids.

-- ledger-writer: the reservations it has seen, so a charge (SpendSettled, ReservationExpired)
-- can be written with the resource, model, currency, agent path and window time of its hold.
-- A resolved row is kept as a tombstone (resolved_event_id): deleting it would let a re-applied
-- SpendReserved (DLQ retry) resurrect a hold that has already resolved.
CREATE TABLE IF NOT EXISTS ledger_reservations (
  reservation_id    text        PRIMARY KEY,
  event_id          uuid        NOT NULL,
  agent_id          text        NOT NULL,
  agent_path        jsonb       NOT NULL,
  resource          text        NOT NULL,
  model             text,
  currency          text        NOT NULL,
  occurred_at       timestamptz NOT NULL,
  resolved_event_id uuid
  -- fillfactor: room on each page so resolving a stored hold (resolved_event_id, not indexed)
  -- is a HOT update that touches no index.
) WITH (fillfactor = 90);

-- One entry per charge. entry_id is a function of event_id (UUIDv5), so it is the idempotency key
-- of the charge event (ON CONFLICT DO NOTHING) without a second unique index on event_id;
-- reservation_id is unique because a hold resolves exactly once.
CREATE TABLE IF NOT EXISTS ledger_entries (
  entry_id          uuid        PRIMARY KEY,
  event_id          uuid        NOT NULL,
  global_position   bigint      NOT NULL,
  agent_id          text        NOT NULL,
  -- Root first, ending with agent_id.
  agent_path        jsonb       NOT NULL,
  reservation_id    text        NOT NULL UNIQUE,
  resource          text        NOT NULL,
  model             text,
  usage             jsonb,
  amount_nanos      bigint      NOT NULL,
  currency          text        NOT NULL,
  pricebook_version text,
  kind              text        NOT NULL CHECK (kind IN ('settled', 'expired')),
  -- The reservation's occurredAt: the window the charge counts in (docs/domain.md).
  occurred_at       timestamptz NOT NULL,
  recorded_at       timestamptz NOT NULL
);
-- Agent + time range, keyset-paginated by (occurred_at, entry_id).
CREATE INDEX IF NOT EXISTS ledger_entries_agent_time_idx ON ledger_entries (agent_id, occurred_at, entry_id);
-- Subtree queries: entries whose agent_path contains an agent.
CREATE INDEX IF NOT EXISTS ledger_entries_agent_path_idx ON ledger_entries USING gin (agent_path jsonb_path_ops);

CREATE TABLE IF NOT EXISTS ledger_denials (
  event_id        uuid        PRIMARY KEY,
  global_position bigint      NOT NULL,
  request_id      text        NOT NULL,
  agent_id        text        NOT NULL,
  reason          text        NOT NULL,
  policy_id       text,
  resource        text        NOT NULL,
  occurred_at     timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_denials_agent_time_idx ON ledger_denials (agent_id, occurred_at, event_id);

-- metrics-aggregator: its own copy of the holds (processors have separate checkpoints, so it
-- cannot read ledger_reservations). resolved_event_id is the idempotency token of a charge: a
-- charge is added to the buckets only by the statement that sets it.
CREATE TABLE IF NOT EXISTS spending_reservations (
  reservation_id    text        PRIMARY KEY,
  agent_path        jsonb       NOT NULL,
  currency          text        NOT NULL,
  occurred_at       timestamptz NOT NULL,
  resolved_event_id uuid
) WITH (fillfactor = 90);

-- Charged spend per agent subtree, currency and 15-minute UTC bucket (every IANA offset is a
-- multiple of 15 minutes, so a calendar window in any zone is a union of whole buckets).
CREATE TABLE IF NOT EXISTS spending_buckets (
  agent_id     text        NOT NULL,
  currency     text        NOT NULL,
  bucket_start timestamptz NOT NULL,
  amount_nanos bigint      NOT NULL,
  charges      bigint      NOT NULL,
  PRIMARY KEY (agent_id, currency, bucket_start)
);
