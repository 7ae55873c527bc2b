-- merkle_leaves_batch_id_idx (006) served the sealer's rewrite of every leaf's batch_id when its
-- batch closed. Since 020 each leaf is stored with its batch and never rewritten, and no query
-- looks leaves up by batch: they are found by merkle_index, global_position or event_id, and
-- batch_id is only compared on rows found so. The index still cost an entry per leaf, two per
-- proxied request (docs/benchmarks.md, issue 9, eleventh session). Same SQL on PostgreSQL 15+ and PGlite.
DROP INDEX IF EXISTS merkle_leaves_batch_id_idx;
