-- Read-model snapshots (libs/recovery, docs/recovery.md): every processor's read-model tables
-- and checkpoint as of one snapshot-isolated read, gzip'd JSON lines stored in 1 MiB chunks.
-- Kept in the database so that they are as durable as the log and travel with its backups.
-- `db reset` never touches them.
CREATE TABLE IF NOT EXISTS read_model_snapshots (
  snapshot_id        uuid        PRIMARY KEY,
  created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  tag                text,
  -- processors and checkpoints, tables and row counts, the anchor event and Merkle head
  manifest           jsonb       NOT NULL,
  compressed_bytes   bigint      NOT NULL,
  uncompressed_bytes bigint      NOT NULL,
  -- SHA-256 of the compressed bytes (all chunks in order), lowercase hex
  sha256             text        NOT NULL
);

CREATE TABLE IF NOT EXISTS read_model_snapshot_chunks (
  snapshot_id uuid    NOT NULL REFERENCES read_model_snapshots (snapshot_id) ON DELETE CASCADE,
  chunk_no    integer NOT NULL CHECK (chunk_no >= 0),
  data        bytea   NOT NULL,
  PRIMARY KEY (snapshot_id, chunk_no)
);
