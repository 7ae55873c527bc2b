-- merkle_leaves.event_id loses its unique index. A leaf is its event's, found through the event's
-- global position (unique in both tables): the sealer's "already has a leaf" check and the
-- inclusion proof by event id join on it, and events.event_id is already unique. The index was a
-- second random-UUID B-tree written for every event (two entries per proxied request), whose
-- pages an insert touches anywhere in the index however long the log has grown
-- (docs/benchmarks.md, issue 9, eleventh session). Same SQL on PostgreSQL 15+ and PGlite.
ALTER TABLE merkle_leaves DROP CONSTRAINT IF EXISTS merkle_leaves_event_id_key;
