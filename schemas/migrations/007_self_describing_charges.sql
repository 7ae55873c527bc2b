-- Charges are self-describing (docs/projections.md "Why charges carry their hold"):
-- SpendSettled and ReservationExpired carry the hold's agentPath, resource, model, currency and
-- reservedAt, so neither projection keeps a table of holds any more. Same SQL on PostgreSQL 15+
-- and PGlite.
--
-- The ledger and spending read models are emptied and their processors' checkpoints, leases and
-- DLQ rows removed: they rebuild from the log with the new shape on the next start. Events are
-- never touched. (A log written before this change holds charges without those fields; the
-- processors park such a charge in the DLQ as malformed rather than guess its hold.)

DROP TABLE IF EXISTS ledger_reservations;
DROP TABLE IF EXISTS spending_reservations;

DELETE FROM processor_checkpoints WHERE processor IN ('ledger-writer-group', 'metrics-aggregator-group');
DELETE FROM processor_leases WHERE processor IN ('ledger-writer-group', 'metrics-aggregator-group');
DELETE FROM dlq WHERE processor IN ('ledger-writer-group', 'metrics-aggregator-group');
TRUNCATE ledger_entries, ledger_denials, spending_buckets;

-- One entry per reservation: a hold resolves once, so reservation_id is the natural key and the
-- idempotency key of a charge (a re-applied charge conflicts on it). entry_id (UUIDv5 of the
-- event id) stays the entry's public id, unique by construction; an index on it bought nothing
-- but a random-key insert per charge.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_pkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_reservation_id_key;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_pkey PRIMARY KEY (reservation_id);

-- metrics-aggregator: the charges already folded into spending_buckets, so a re-applied charge
-- (DLQ retry, replayed batch) adds nothing. One narrow row per charge.
CREATE TABLE IF NOT EXISTS spending_charges (
  reservation_id text PRIMARY KEY,
  event_id       uuid NOT NULL
);
