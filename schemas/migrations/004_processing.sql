-- Processor runtime: checkpoints, leases and the dead-letter queue of the store-based processors
-- (libs/processing, docs/processing.md). Runs unchanged on PostgreSQL 15+ and on PGlite.
-- Every row is keyed by (processor, version): a new version of a projection keeps its own
-- checkpoint and rebuilds from the start beside the old one.

-- Where each processor is in the global log: the (transaction id, position) of the last event
-- it handled. Written in the same transaction as the read-model changes of that batch.
CREATE TABLE processor_checkpoints (
  processor        text        NOT NULL,
  version          integer     NOT NULL CHECK (version >= 1),
  transaction_id   xid8        NOT NULL,
  global_position  bigint      NOT NULL,
  events_processed bigint      NOT NULL DEFAULT 0,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (processor, version)
);

-- One active instance per processor@version across processes. The owner renews expires_at; a
-- standby takes the row over only once it has expired. Batch commits re-check it (fencing).
CREATE TABLE processor_leases (
  processor   text        NOT NULL,
  version     integer     NOT NULL CHECK (version >= 1),
  owner       text        NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (processor, version)
);

-- Events a processor gave up on after its retries. The processor moved past them; `dlq retry`
-- re-applies one, `dlq discard` records that nobody will.
CREATE TABLE dlq (
  id              bigserial   PRIMARY KEY,
  processor       text        NOT NULL,
  version         integer     NOT NULL,
  event_id        uuid        NOT NULL,
  global_position bigint      NOT NULL,
  transaction_id  xid8        NOT NULL,
  stream_id       text        NOT NULL,
  event_type      text        NOT NULL,
  error           text        NOT NULL,
  attempts        integer     NOT NULL CHECK (attempts >= 1),
  first_failed_at timestamptz NOT NULL,
  last_failed_at  timestamptz NOT NULL,
  status          text        NOT NULL DEFAULT 'parked' CHECK (status IN ('parked', 'retried', 'discarded')),
  CONSTRAINT dlq_processor_event_key UNIQUE (processor, version, event_id)
);

CREATE INDEX dlq_status_idx ON dlq (status, processor, last_failed_at);
CREATE INDEX dlq_event_id_idx ON dlq (event_id);
