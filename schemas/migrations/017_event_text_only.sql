-- Events store data and metadata once: the RFC 8785 text the writer serialised (data_text,
-- metadata_text; docs/leaf-format.md). Until now each row also held the same JSON as generated
-- jsonb columns (013), derived by the database on every insert: a second copy in the heap and in
-- the WAL and a JSON parse per event in the append's transaction (docs/benchmarks.md, issue 15,
-- "Append throughput"). Same SQL on PostgreSQL 15+ and PGlite.
--
-- SQL readers keep `data` and `metadata` as jsonb through functions on the row type, which
-- PostgreSQL also accepts in attribute notation: `e.data->>'agentId'` (or `events.data`) is
-- `data(e)`, i.e. `e.data_text::jsonb`, inlined into the query. A bare `data` (no table name) no
-- longer resolves: write `events.data` / `e.data`, or `data_text::jsonb`. The event store reads
-- the texts and parses them in the client (the same bytes the Merkle leaves commit to).
--
-- Existing databases: dropping the columns only changes the catalog (no rewrite, no long lock);
-- new rows are smaller at once, old rows keep the dropped bytes until the table is rewritten
-- (`VACUUM FULL events`, under an exclusive lock, at a time of the operator's choosing). Nothing
-- the leaves commit to changes: data_text / metadata_text are untouched.

ALTER TABLE events
  DROP COLUMN data,
  DROP COLUMN metadata;

CREATE FUNCTION data(events) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT $1.data_text::jsonb $$;

CREATE FUNCTION metadata(events) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT $1.metadata_text::jsonb $$;

COMMENT ON FUNCTION data(events) IS 'events.data: the event''s data as jsonb, parsed from data_text (migration 017)';
COMMENT ON FUNCTION metadata(events) IS 'events.metadata: the event''s metadata as jsonb, parsed from metadata_text (migration 017)';
