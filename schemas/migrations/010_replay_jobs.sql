-- Replay jobs (libs/recovery, docs/recovery.md): the processors catching their read models up
-- from a restored snapshot (or from the start) to the head the log had when the job started.
-- The processor hosts run the processors and keep the job's progress here, so it survives the
-- restart of whichever process runs it.
CREATE TABLE IF NOT EXISTS replay_jobs (
  job_id                uuid        PRIMARY KEY,
  created_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  from_snapshot_id      uuid,
  -- [{name, version, fromTransactionId, fromPosition, fromEventsProcessed, eventsTotal}]
  processors            jsonb       NOT NULL,
  target_transaction_id xid8        NOT NULL,
  target_position       bigint      NOT NULL,
  events_total          bigint      NOT NULL,
  events_processed      bigint      NOT NULL DEFAULT 0,
  -- events per second over the last progress update, in thousandths (no floats in the store)
  rate_milli            bigint,
  state                 text        NOT NULL DEFAULT 'waiting'
                                    CHECK (state IN ('waiting', 'running', 'completed', 'failed')),
  error                 text,
  owner                 text,
  started_at            timestamptz,
  updated_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  completed_at          timestamptz
);

-- One job at a time: two would race for the same checkpoints.
CREATE UNIQUE INDEX IF NOT EXISTS replay_jobs_one_active_idx ON replay_jobs ((true)) WHERE state IN ('waiting', 'running', 'failed');
