-- Event store: the append-only global log, stream versions and aggregate snapshots.
-- Runs unchanged on PostgreSQL 15+ and on PGlite (embedded). See docs/event-store.md.

-- CACHE 1: every session takes positions from the shared sequence, so positions follow
-- allocation order across sessions (commit order is a separate matter: see the global reader).
CREATE SEQUENCE events_global_position_seq AS bigint CACHE 1;

CREATE TABLE events (
  global_position bigint      NOT NULL DEFAULT nextval('events_global_position_seq') PRIMARY KEY,
  transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
  stream_id       text        NOT NULL,
  stream_position bigint      NOT NULL CHECK (stream_position >= 1),
  event_id        uuid        NOT NULL UNIQUE,
  event_type      text        NOT NULL,
  schema_version  integer     NOT NULL,
  data            jsonb       NOT NULL,
  metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_stream_position_key UNIQUE (stream_id, stream_position)
);

ALTER SEQUENCE events_global_position_seq OWNED BY events.global_position;

-- The gap-free global reader orders and pages by (transaction_id, global_position).
CREATE INDEX events_transaction_id_global_position_idx ON events (transaction_id, global_position);

CREATE TABLE streams (
  stream_id  text        PRIMARY KEY,
  version    bigint      NOT NULL CHECK (version >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A cache: safe to delete, rebuilt from the stream.
CREATE TABLE aggregate_snapshots (
  stream_id     text        NOT NULL,
  snapshot_type text        NOT NULL,
  version       bigint      NOT NULL CHECK (version >= 1),
  state         jsonb       NOT NULL,
  saved_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_id, snapshot_type)
);

-- Events are facts: the database itself refuses to change or remove them.
CREATE FUNCTION caracal_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only: % on table events is refused', TG_OP
    USING ERRCODE = 'CE003',
          HINT = 'Record a compensating event instead of changing or removing one.';
END
$$;

CREATE TRIGGER events_refuse_change
  BEFORE UPDATE OR DELETE OR TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION caracal_events_refuse_change();

-- No NOTIFY trigger: a NOTIFY makes PostgreSQL serialize the commits of the transactions that
-- send it. SqlEventStore sends pg_notify('caracal_events', '') itself after its append commits,
-- at most one in flight per client (docs/event-store.md); readers also poll as a backstop.

-- One append in one round trip.
--   p_expected: 'any' | 'no_stream' | 'stream_exists' | 'exact' (then p_expected_version).
--   p_events:   JSON array of {eventId, type, schemaVersion, data, metadata}, in stream order.
-- Returns one row per event in stream order; replayed = true when the same event ids were
-- already appended at these positions (an idempotent retry: nothing is written).
-- Errors (SQLSTATE, DETAIL):
--   CE001 wrong expected version, DETAIL = the stream's actual version;
--   CE002 idempotency conflict, DETAIL = what differs.
-- Happy path: two statements (stream bump, insert). The event ids are looked up only when a
-- retry is possible: the expected-state check failed (a committed append moved the stream), or
-- the insert skipped an event id that is already stored.
CREATE FUNCTION caracal_append(p_stream_id text, p_expected text, p_expected_version bigint, p_events jsonb)
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
  v_count      integer := jsonb_array_length(p_events);
  v_ids        uuid[];
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

  -- Lock the stream row first, bumping its version in the same statement: appends to one
  -- stream queue here, appends to other streams do not wait. A retry of an append still in
  -- flight waits here until that one has committed or rolled back.
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
    -- An id already stored (or being stored by a concurrent append: the insert waits for it)
    -- is skipped, not raised: all skipped may be an idempotent retry, looked up below.
    RETURN QUERY
      WITH inserted AS (
        INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data, metadata)
        SELECT p_stream_id,
               v_version + n.ord,
               (n.value ->> 'eventId')::uuid,
               n.value ->> 'type',
               (n.value ->> 'schemaVersion')::integer,
               n.value -> 'data',
               coalesce(n.value -> 'metadata', '{}'::jsonb)
          FROM jsonb_array_elements(p_events) WITH ORDINALITY AS n(value, ord)
         ORDER BY n.ord
        ON CONFLICT (event_id) DO NOTHING
        RETURNING stream_position, global_position, transaction_id, recorded_at
      )
      SELECT i.stream_position, i.global_position, i.transaction_id, i.recorded_at, false
        FROM inserted i
       ORDER BY i.stream_position;
    GET DIAGNOSTICS v_inserted = ROW_COUNT;
    IF v_inserted = v_count THEN
      RETURN;  -- the fast path
    END IF;
    IF v_inserted > 0 THEN
      -- Raising rolls back the rows this call inserted and the version bump.
      RAISE EXCEPTION 'stream %: % of % event ids were already appended', p_stream_id, v_count - v_inserted, v_count
        USING ERRCODE = 'CE002', DETAIL = format('%s of %s event ids already appended', v_count - v_inserted, v_count);
    END IF;
  END IF;

  -- Idempotency, by event id: a retry of an append that committed must succeed even though the
  -- stream has moved past the expected version. Checked under the stream lock.
  -- "= ANY(array)" keeps this an index probe per id; a join with jsonb_array_elements is
  -- planned as a hash join over a sequential scan of all events.
  v_ids := ARRAY(SELECT (n.value ->> 'eventId')::uuid
                   FROM jsonb_array_elements(p_events) WITH ORDINALITY AS n(value, ord)
                  ORDER BY n.ord);
  SELECT count(*)::integer,
         (count(*) FILTER (WHERE e.stream_id = p_stream_id))::integer,
         min(e.stream_position - array_position(v_ids, e.event_id)),
         count(DISTINCT e.stream_position - array_position(v_ids, e.event_id)) <= 1
    INTO v_found, v_in_stream, v_first, v_contiguous
    FROM events e
   WHERE e.event_id = ANY (v_ids);

  IF v_found = 0 THEN
    -- Only reached when the expected-state check failed. Raising rolls the version bump back.
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
  -- v_first is the version the stream had before the earlier append.
  IF NOT v_contiguous
     OR (p_expected = 'no_stream' AND v_first <> 0)
     OR (p_expected = 'stream_exists' AND v_first = 0)
     OR (p_expected = 'exact' AND v_first <> p_expected_version) THEN
    RAISE EXCEPTION 'stream %: event ids were already appended at other positions', p_stream_id
      USING ERRCODE = 'CE002', DETAIL = 'event ids already appended at other positions';
  END IF;
  -- Nothing is appended: take the version back (the row is still locked by this transaction).
  UPDATE streams s SET version = v_version WHERE s.stream_id = p_stream_id;
  RETURN QUERY
    SELECT e.stream_position, e.global_position, e.transaction_id, e.recorded_at, true
      FROM events e
     WHERE e.stream_id = p_stream_id
       AND e.stream_position BETWEEN v_first + 1 AND v_first + v_count
     ORDER BY e.stream_position;
END
$$;
