-- Merkle integrity (DESIGN.md "Merkle integrity", docs/sealing.md): the merkle-sealer-group
-- processor's tables. Same SQL on PostgreSQL 15+ and PGlite.
-- merkle_leaves, merkle_heads and merkle_state are the processor's read model (`db reset`
-- empties them and a replay re-seals the log). merkle_keys is not: public keys stay listed so
-- heads exported before a reset or a key rotation still verify. Private keys are never stored.

-- One leaf per event: merkle_index is dense (0, 1, 2, …) in the gap-free reader's order, while
-- global_position has holes. leaf_hash = SHA-256(0x00 ‖ JCS(canonical event)), 32 bytes.
-- recorded_at: the event's recorded_at as canonical text with microseconds
-- (YYYY-MM-DDTHH:MM:SS.ffffffZ), copied for time-range lookups; verifiers re-read it from events.
-- batch_id: the sealed batch (merkle_heads) holding the leaf; NULL while its batch is open.
CREATE TABLE IF NOT EXISTS merkle_leaves (
  merkle_index    bigint PRIMARY KEY CHECK (merkle_index >= 0),
  global_position bigint NOT NULL UNIQUE,
  event_id        uuid   NOT NULL UNIQUE,
  leaf_hash       bytea  NOT NULL CHECK (length(leaf_hash) = 32),
  recorded_at     text   NOT NULL,
  batch_id        bigint
);

CREATE INDEX IF NOT EXISTS merkle_leaves_batch_id_idx ON merkle_leaves (batch_id);

-- One signed tree head per sealed batch [first_index, last_index]. Hashes are 64 lowercase hex
-- digits and times canonical text, exactly as signed (libs/merkle TreeHead): the signed bytes are
-- rebuilt from the row. compact_range = {size, hashes} of [0, tree_size).
CREATE TABLE IF NOT EXISTS merkle_heads (
  batch_id           bigint PRIMARY KEY CHECK (batch_id >= 1),
  tree_size          bigint NOT NULL CHECK (tree_size = last_index + 1),
  root_hash          text   NOT NULL,
  first_index        bigint NOT NULL CHECK (first_index >= 0),
  last_index         bigint NOT NULL CHECK (last_index >= first_index),
  first_recorded_at  text   NOT NULL,
  last_recorded_at   text   NOT NULL,
  previous_head_hash text,
  timestamp          text   NOT NULL,
  key_id             text   NOT NULL,
  compact_range      jsonb  NOT NULL,
  signature          text   NOT NULL,
  head_hash          text   NOT NULL UNIQUE,
  CONSTRAINT merkle_heads_last_index_key UNIQUE (last_index)
);

-- Public keys of every signing key ever used (key_id = hex SHA-256 of the raw Ed25519 key).
-- retired_at is set by a rotation; retired keys stay so old heads verify.
CREATE TABLE IF NOT EXISTS merkle_keys (
  key_id         text        PRIMARY KEY,
  public_key_pem text        NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  retired_at     timestamptz
);

-- The sealer's cursor, one row (the sealer inserts it when missing, e.g. after `db reset`):
-- next_index = leaves assigned so far; next_batch_id = id of the open (or next) batch;
-- open_first_index = first index of the open batch (= next_index when it is empty);
-- open_batch_started_at = when its first leaf was assigned (sealer clock; NULL when empty).
CREATE TABLE IF NOT EXISTS merkle_state (
  id                    boolean     PRIMARY KEY DEFAULT true CHECK (id),
  next_index            bigint      NOT NULL DEFAULT 0,
  next_batch_id         bigint      NOT NULL DEFAULT 1,
  open_first_index      bigint      NOT NULL DEFAULT 0,
  open_batch_started_at timestamptz
);
