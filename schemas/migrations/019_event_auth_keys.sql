-- The key an event's tag was made with, stored once per key; the tag sent as bytes
-- (docs/leaf-format.md, "Event authentication"). Same SQL on PostgreSQL 15+ and PGlite.
--
-- Until now every row held its key id as 32 hex digits of text (auth_key_id) and the writer sent
-- the 32-byte tag as 64 hex digits that SQL decoded: ~66 bytes more per event in the heap and the
-- WAL than before events were authenticated, the last part of the append cost issue 15 left
-- (docs/benchmarks.md, issue 15, "Append throughput"). Now:
-- - event_auth_keys numbers each key id once; events.auth_key holds the number (4 bytes). A
--   writer registers its key once (caracal_event_auth_key) and sends the number with each event.
--   No foreign key: its check would share-lock the key's row from every appending transaction
--   (a MultiXact per row under concurrent writers). A number that names no key is an unknown
--   key to the sealer (refused), as a key id it does not hold was. The table is append-only: a
--   number keeps naming the key the events were tagged with.
-- - the tag goes in as a bytea parameter (binary from node-postgres; PGlite sends bytea as text),
--   no decode() in SQL.
--
-- Existing rows are not rewritten (catalog changes only, no long lock): the text column is
-- renamed auth_key_id_text and keeps the key id of every event written before this migration;
-- new rows leave it NULL. auth_key_id(events) gives every row's key id either way, so SQL
-- readers keep writing e.auth_key_id (attribute notation calls the function, as data(events) of
-- 017). Tags, and everything a Merkle leaf commits to, are unchanged.

CREATE TABLE event_auth_keys (
  key_no        integer     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key_id        text        NOT NULL UNIQUE CHECK (key_id ~ '^[0-9a-f]{32}$'),
  registered_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION caracal_event_auth_keys_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'event_auth_keys is append-only: % is refused (events name their key by its number)', TG_OP
    USING ERRCODE = 'CE003';
END
$$;

CREATE TRIGGER event_auth_keys_refuse_change
  BEFORE UPDATE OR DELETE OR TRUNCATE ON event_auth_keys
  FOR EACH STATEMENT EXECUTE FUNCTION caracal_event_auth_keys_refuse_change();

-- The number of a key id, registered on first use (SqlEventStore calls it once per store).
CREATE FUNCTION caracal_event_auth_key(p_key_id text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_key_no integer;
BEGIN
  SELECT k.key_no INTO v_key_no FROM event_auth_keys k WHERE k.key_id = p_key_id;
  IF FOUND THEN
    RETURN v_key_no;
  END IF;
  INSERT INTO event_auth_keys (key_id) VALUES (p_key_id) ON CONFLICT (key_id) DO NOTHING RETURNING key_no INTO v_key_no;
  IF NOT FOUND THEN -- registered meanwhile by another writer (committed: ON CONFLICT waited for it)
    SELECT k.key_no INTO v_key_no FROM event_auth_keys k WHERE k.key_id = p_key_id;
  END IF;
  RETURN v_key_no;
END
$$;

ALTER TABLE events RENAME COLUMN auth_key_id TO auth_key_id_text;
ALTER TABLE events ADD COLUMN auth_key integer;

-- Every row's key id: by its number (rows from this migration on), else the text it was written
-- with. Not inlined (a subquery): readers that go through many rows join event_auth_keys instead.
CREATE FUNCTION auth_key_id(events) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce((SELECT k.key_id FROM event_auth_keys k WHERE k.key_no = $1.auth_key), $1.auth_key_id_text)
$$;

COMMENT ON FUNCTION auth_key_id(events) IS 'events.auth_key_id: the key id of the event''s tag (event_auth_keys by auth_key, or auth_key_id_text for rows written before migration 019)';

-- caracal_append as in 013, the key as its number and the tag as bytes.
DROP FUNCTION caracal_append(text, text, bigint, uuid[], text[], integer[], text[], text[], text[], text[]);
CREATE FUNCTION caracal_append(
  p_stream_id text, p_expected text, p_expected_version bigint,
  p_ids uuid[], p_types text[], p_schema_versions integer[], p_data text[], p_metadata text[], p_key_nos integer[], p_tags bytea[]
)
RETURNS TABLE (
  stream_position bigint,
  global_position bigint,
  transaction_id  xid8,
  recorded_at     timestamptz,
  replayed        boolean
)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_count      integer := coalesce(array_length(p_ids, 1), 0);
  v_version    bigint;
  v_inserted   integer;
  v_found      integer;
  v_in_stream  integer;
  v_first      bigint;
  v_contiguous boolean;
BEGIN
  IF v_count = 0 THEN
    RAISE EXCEPTION 'caracal_append needs at least one event' USING ERRCODE = '22023';
  END IF;
  IF p_expected NOT IN ('any', 'no_stream', 'stream_exists', 'exact')
     OR (p_expected = 'exact') <> (p_expected_version IS NOT NULL) THEN
    RAISE EXCEPTION 'caracal_append: bad expected state % (version %)', p_expected, p_expected_version
      USING ERRCODE = '22023';
  END IF;

  UPDATE streams s SET version = s.version + v_count, updated_at = now()
   WHERE s.stream_id = p_stream_id
  RETURNING s.version - v_count INTO v_version;
  IF NOT FOUND THEN
    INSERT INTO streams AS s (stream_id, version) VALUES (p_stream_id, v_count)
      ON CONFLICT (stream_id) DO UPDATE SET version = s.version + excluded.version, updated_at = now()
    RETURNING s.version - v_count INTO v_version;
  END IF;

  IF (CASE p_expected
        WHEN 'any' THEN true
        WHEN 'no_stream' THEN v_version = 0
        WHEN 'stream_exists' THEN v_version > 0
        WHEN 'exact' THEN v_version = p_expected_version
      END) THEN
    RETURN QUERY
      WITH inserted AS (
        INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text, metadata_text, auth_key, auth_tag)
        SELECT p_stream_id, v_version + n.ord, n.event_id, n.event_type, n.schema_version, n.data_text, n.metadata_text, n.auth_key, n.auth_tag
          FROM unnest(p_ids, p_types, p_schema_versions, p_data, p_metadata, p_key_nos, p_tags)
               WITH ORDINALITY AS n(event_id, event_type, schema_version, data_text, metadata_text, auth_key, auth_tag, ord)
         ORDER BY n.ord
        ON CONFLICT (event_id) DO NOTHING
        RETURNING stream_position, global_position, transaction_id, recorded_at
      )
      SELECT i.stream_position, i.global_position, i.transaction_id, i.recorded_at, false
        FROM inserted i
       ORDER BY i.stream_position;
    GET DIAGNOSTICS v_inserted = ROW_COUNT;
    IF v_inserted = v_count THEN
      RETURN;
    END IF;
    IF v_inserted > 0 THEN
      RAISE EXCEPTION 'stream %: % of % event ids were already appended', p_stream_id, v_count - v_inserted, v_count
        USING ERRCODE = 'CE002', DETAIL = format('%s of %s event ids already appended', v_count - v_inserted, v_count);
    END IF;
  END IF;

  SELECT count(*)::integer,
         (count(*) FILTER (WHERE e.stream_id = p_stream_id))::integer,
         min(e.stream_position - array_position(p_ids, e.event_id)),
         count(DISTINCT e.stream_position - array_position(p_ids, e.event_id)) <= 1
    INTO v_found, v_in_stream, v_first, v_contiguous
    FROM events e
   WHERE e.event_id = ANY (p_ids);

  IF v_found = 0 THEN
    RAISE EXCEPTION 'stream %: expected %, actual version %', p_stream_id,
      coalesce(p_expected_version::text, p_expected), v_version
      USING ERRCODE = 'CE001', DETAIL = v_version::text;
  END IF;
  IF v_found < v_count THEN
    RAISE EXCEPTION 'stream %: % of % event ids were already appended', p_stream_id, v_found, v_count
      USING ERRCODE = 'CE002', DETAIL = format('%s of %s event ids already appended', v_found, v_count);
  END IF;
  IF v_in_stream < v_count THEN
    RAISE EXCEPTION 'stream %: event ids were already appended to another stream', p_stream_id
      USING ERRCODE = 'CE002', DETAIL = 'event ids already appended to another stream';
  END IF;
  IF NOT v_contiguous
     OR (p_expected = 'no_stream' AND v_first <> 0)
     OR (p_expected = 'stream_exists' AND v_first = 0)
     OR (p_expected = 'exact' AND v_first <> p_expected_version) THEN
    RAISE EXCEPTION 'stream %: event ids were already appended at other positions', p_stream_id
      USING ERRCODE = 'CE002', DETAIL = 'event ids already appended at other positions';
  END IF;
  UPDATE streams s SET version = v_version WHERE s.stream_id = p_stream_id;
  RETURN QUERY
    SELECT e.stream_position, e.global_position, e.transaction_id, e.recorded_at, true
      FROM events e
     WHERE e.stream_id = p_stream_id
       AND e.stream_position BETWEEN v_first + 1 AND v_first + v_count
     ORDER BY e.stream_position;
END
$$;
