-- Admin read models: projected inline, in the same transaction as the events they come from,
-- so the admin API reads its own writes. All of them can be dropped and rebuilt from the log.

CREATE TABLE IF NOT EXISTS agents (
  agent_id        uuid PRIMARY KEY,
  name            text NOT NULL,
  description     text NOT NULL,
  owner           text NOT NULL,
  parent_agent_id uuid,
  root_agent_id   uuid NOT NULL,
  -- Root first, parent last: every agent whose policies also bound this one.
  ancestor_ids    jsonb NOT NULL,
  status          text NOT NULL,
  suspended_reason text,
  metadata        jsonb NOT NULL,
  version         bigint NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
-- Names are unique per owner: enforced here because the append and this row commit together.
CREATE UNIQUE INDEX IF NOT EXISTS agents_owner_name_key ON agents (owner, name);
CREATE INDEX IF NOT EXISTS agents_created_idx ON agents (created_at, agent_id);
CREATE INDEX IF NOT EXISTS agents_parent_idx ON agents (parent_agent_id);

CREATE TABLE IF NOT EXISTS agent_keys (
  key_id     text PRIMARY KEY,
  agent_id   uuid NOT NULL,
  key_hash   text NOT NULL,
  status     text NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS agent_keys_agent_idx ON agent_keys (agent_id);

CREATE TABLE IF NOT EXISTS policies (
  policy_id     uuid PRIMARY KEY,
  agent_id      uuid NOT NULL,
  limit_nanos   bigint NOT NULL,
  currency      text NOT NULL,
  time_window   text NOT NULL,
  window_type   text NOT NULL,
  timezone      text NOT NULL,
  active        boolean NOT NULL,
  version       integer NOT NULL,
  change_reason text NOT NULL,
  changed_by    text NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS policies_agent_idx ON policies (agent_id, created_at, policy_id);
CREATE INDEX IF NOT EXISTS policies_created_idx ON policies (created_at, policy_id);

CREATE TABLE IF NOT EXISTS policy_versions (
  policy_id     uuid NOT NULL,
  version       integer NOT NULL,
  agent_id      uuid NOT NULL,
  limit_nanos   bigint NOT NULL,
  currency      text NOT NULL,
  time_window   text NOT NULL,
  window_type   text NOT NULL,
  timezone      text NOT NULL,
  active        boolean NOT NULL,
  change_reason text NOT NULL,
  actor         text NOT NULL,
  recorded_at   timestamptz NOT NULL,
  PRIMARY KEY (policy_id, version)
);

CREATE TABLE IF NOT EXISTS allowlist_entries (
  entry_id     uuid PRIMARY KEY,
  agent_id     uuid NOT NULL,
  pattern      text NOT NULL,
  pattern_type text NOT NULL,
  created_at   timestamptz NOT NULL,
  removed_at   timestamptz
);
CREATE INDEX IF NOT EXISTS allowlist_entries_agent_idx ON allowlist_entries (agent_id, created_at, entry_id);
CREATE INDEX IF NOT EXISTS allowlist_entries_created_idx ON allowlist_entries (created_at, entry_id);
