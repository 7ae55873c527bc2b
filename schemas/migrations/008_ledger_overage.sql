-- The overage on the ledger entry (issue 10): an upstream that reports more usage than its hold
-- allowed (more tokens than max_tokens) is charged what it reports; the entry now shows the hold
-- and how much the charge went past it. Same SQL on PostgreSQL 15+ and PGlite.
--
-- Entries projected before this migration are filled in from their own event (events are
-- immutable, and SpendSettled has always carried heldNanos and overageNanos), so no rebuild is
-- needed. An expired hold is charged at the held amount: no overage. A row without its event
-- (a hand edit) keeps held = amount, overage 0.

ALTER TABLE ledger_entries ADD COLUMN held_nanos bigint;
ALTER TABLE ledger_entries ADD COLUMN overage_nanos bigint NOT NULL DEFAULT 0;

UPDATE ledger_entries SET held_nanos = amount_nanos;
UPDATE ledger_entries l
   SET held_nanos = coalesce((e.data->>'heldNanos')::bigint, l.amount_nanos),
       overage_nanos = coalesce((e.data->>'overageNanos')::bigint, 0)
  FROM events e
 WHERE e.global_position = l.global_position AND e.event_type = 'SpendSettled';

ALTER TABLE ledger_entries ALTER COLUMN held_nanos SET NOT NULL;
ALTER TABLE ledger_entries ALTER COLUMN overage_nanos DROP DEFAULT;
