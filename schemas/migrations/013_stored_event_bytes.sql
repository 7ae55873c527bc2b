-- Leaves hashed from stored bytes, events authenticated at write time (docs/leaf-format.md).
-- Same SQL on PostgreSQL 15+ and PGlite.
--
-- 1. events.data_text / metadata_text: the JSON text of data and metadata exactly as the writer
--    serialised it (RFC 8785, JCS). A Merkle leaf is these bytes inside a fixed frame of the
--    event's other columns, so a verifier reads bytes and hashes them: no parse, no
--    canonicalisation. data / metadata (jsonb) become generated from them: the database derives
--    what SQL queries and projections read from the same bytes, and nobody can change one
--    without the other.
-- 2. events.auth_key_id / auth_tag: HMAC-SHA256 of the event's bytes under a key the database
--    never holds; the sealer refuses to seal an event whose tag does not verify.
--
-- Existing events: their text is re-derived here from jsonb (caracal_jcs), and every leaf
-- already sealed is rebuilt from the new columns and compared with its stored hash before
-- anything switches: one mismatch (or a sealed event that is gone) aborts the migration and
-- names it. Old heads therefore verify from the stored bytes, under the same leaf definition.

-- RFC 8785 for the JSON events hold (objects, arrays, strings, integers, booleans, null).
-- Strings and numbers: jsonb's own output, which escapes like ECMAScript JSON.stringify for
-- these. Member order: code points (COLLATE "C" on UTF-8); JCS sorts by UTF-16 code units, which
-- differs only between a character above U+FFFF and one in U+E000..U+FFFF: the check of the
-- sealed leaves below catches that case instead of letting it through.
CREATE FUNCTION caracal_jcs(v jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  CASE jsonb_typeof(v)
    WHEN 'object' THEN
      RETURN '{' || coalesce((SELECT string_agg(to_jsonb(o.key)::text || ':' || caracal_jcs(o.value), ',' ORDER BY o.key COLLATE "C")
                                FROM jsonb_each(v) AS o), '') || '}';
    WHEN 'array' THEN
      RETURN '[' || coalesce((SELECT string_agg(caracal_jcs(a.value), ',' ORDER BY a.ord)
                                FROM jsonb_array_elements(v) WITH ORDINALITY AS a(value, ord)), '') || ']';
    ELSE
      RETURN v::text;
  END CASE;
END
$$;

ALTER TABLE events
  ADD COLUMN data_text     text,
  ADD COLUMN metadata_text text,
  ADD COLUMN auth_key_id   text,
  ADD COLUMN auth_tag      bytea CHECK (length(auth_tag) = 32);

ALTER TABLE events DISABLE TRIGGER events_refuse_change;
UPDATE events SET data_text = caracal_jcs(data), metadata_text = caracal_jcs(metadata);
ALTER TABLE events ENABLE TRIGGER events_refuse_change;

-- Every sealed leaf, rebuilt from the stored text (the leaf frame of docs/leaf-format.md).
DO $$
DECLARE
  v_bad record;
BEGIN
  SELECT l.merkle_index, l.event_id, e.event_id AS found INTO v_bad
    FROM merkle_leaves l LEFT JOIN events e ON e.global_position = l.global_position
   WHERE e.global_position IS NULL
      OR sha256('\x00'::bytea || convert_to(
           '{"data":' || e.data_text || ',"eventId":"' || e.event_id::text || '","eventType":' || to_jsonb(e.event_type)::text
           || ',"globalPosition":"' || e.global_position::text || '","merkleIndex":"' || l.merkle_index::text
           || '","metadata":' || e.metadata_text
           || ',"recordedAt":"' || to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
           || '","schemaVersion":' || e.schema_version::text || ',"streamId":' || to_jsonb(e.stream_id)::text
           || ',"streamPosition":"' || e.stream_position::text || '"}', 'UTF8')) <> l.leaf_hash
   ORDER BY l.merkle_index
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'stored event bytes: the leaf at merkle index % (event %) does not match %', v_bad.merkle_index, v_bad.event_id,
      CASE WHEN v_bad.found IS NULL THEN 'any event (none at its global position)' ELSE 'its event' END
      USING ERRCODE = 'CE004', HINT = 'The log differs from what was sealed: run caracal merkle verify-range before migrating.';
  END IF;
END
$$;

ALTER TABLE events
  ALTER COLUMN data_text SET NOT NULL,
  ALTER COLUMN metadata_text SET NOT NULL,
  ALTER COLUMN metadata_text SET DEFAULT '{}',
  DROP COLUMN data,
  DROP COLUMN metadata;
ALTER TABLE events
  ADD COLUMN data     jsonb GENERATED ALWAYS AS (data_text::jsonb) STORED,
  ADD COLUMN metadata jsonb GENERATED ALWAYS AS (metadata_text::jsonb) STORED;

-- Events of transactions from this one on must carry a valid tag; older ones were written before
-- authentication existed (the sealer seals them untagged). A transaction-id rebase (restore into
-- another cluster) moves this bound with the events.
CREATE TABLE event_authentication (
  id            boolean PRIMARY KEY DEFAULT true CHECK (id),
  required_from xid8    NOT NULL
);
INSERT INTO event_authentication (required_from) VALUES (pg_current_xact_id());

-- Events the sealer refused (no leaf): the operator's quarantine, reported by verify-range.
-- Kept on `db reset` with the sealer's tables.
CREATE TABLE merkle_refused_events (
  event_id        uuid        PRIMARY KEY,
  global_position bigint      NOT NULL,
  reason          text        NOT NULL,
  detail          text        NOT NULL,
  refused_at      timestamptz NOT NULL DEFAULT now()
);

-- caracal_append as in 001, taking the events as arrays (one element per event, in stream
-- order) instead of a jsonb document: the stored text goes in as text, parsed once (by the
-- generated jsonb columns), not unescaped out of a JSON document first. Tags as hex.
DROP FUNCTION caracal_append(text, text, bigint, jsonb);
CREATE FUNCTION caracal_append(
  p_stream_id text, p_expected text, p_expected_version bigint,
  p_ids uuid[], p_types text[], p_schema_versions integer[], p_data text[], p_metadata text[], p_key_ids text[], p_tags text[]
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
        INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text, metadata_text, auth_key_id, auth_tag)
        SELECT p_stream_id, v_version + n.ord, n.event_id, n.event_type, n.schema_version, n.data_text, n.metadata_text, n.auth_key_id,
               decode(n.auth_tag, 'hex')
          FROM unnest(p_ids, p_types, p_schema_versions, p_data, p_metadata, p_key_ids, p_tags)
               WITH ORDINALITY AS n(event_id, event_type, schema_version, data_text, metadata_text, auth_key_id, auth_tag, ord)
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
