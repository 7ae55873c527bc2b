-- The merkle-sealer stores each leaf with the batch it will be sealed in, instead of rewriting
-- every leaf's batch_id when its batch closes. Same SQL on PostgreSQL 15+ and PGlite.
--
-- The rewrite cost what the insert had cost again: batch_id is indexed, so every leaf's update
-- wrote a new row version and an entry in each of the table's four indexes, and left a dead row
-- behind (docs/benchmarks.md, issue 9, ninth session: about a fifth of the rows and WAL records
-- a proxied request causes). The sealer knows each leaf's batch when it stores it: a batch closes
-- at every N leaves from its first, or whole (on its age, at shutdown, or when N was lowered).
--
-- So batch_id now names a leaf's batch from the start: sealed when merkle_heads holds that batch's
-- head, open while it is not below merkle_state.next_batch_id. The open batch's leaves stored
-- before this migration get its id here (at most N rows). New rows must carry one; the check is
-- NOT VALID, so existing rows are not scanned under the lock (they all have one after the update).

UPDATE merkle_leaves SET batch_id = s.next_batch_id
  FROM merkle_state s
 WHERE s.id AND merkle_leaves.batch_id IS NULL;

ALTER TABLE merkle_leaves ADD CONSTRAINT merkle_leaves_batch_id_given CHECK (batch_id IS NOT NULL) NOT VALID;
