-- Snapshot format 2 (docs/recovery.md): PostgreSQL itself writes each chunk (the JSON lines of
-- one range of a table's pages) and reads it back on restore, so the rows never pass through
-- the gateway's process. Each chunk names its table and row count; the database compresses
-- the chunks (TOAST) instead of gzip. Format 1 snapshots (gzip'd, written by an earlier
-- version) stay listed; restore refuses them with a message.
ALTER TABLE read_model_snapshot_chunks
  ADD COLUMN IF NOT EXISTS table_name text,
  ADD COLUMN IF NOT EXISTS row_count  integer CHECK (row_count >= 0);

-- The last time the stored bytes were hashed and compared with the checksum (at creation, by
-- `snapshot verify`, by `snapshot restore`), and what it found.
ALTER TABLE read_model_snapshots
  ADD COLUMN IF NOT EXISTS checksum_state      text CHECK (checksum_state IN ('verified', 'failed')),
  ADD COLUMN IF NOT EXISTS checksum_checked_at timestamptz;

-- lz4 compresses and decompresses several times faster than the default pglz at a similar
-- ratio for JSON text; servers built without it keep pglz.
DO $$
BEGIN
  ALTER TABLE read_model_snapshot_chunks ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  NULL;
END $$;
