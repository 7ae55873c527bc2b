import type { SqlExecutor } from '@caracal/event-store';
import { DuplicateChargeError, duplicateChargesInBatch, type Charge } from './reservation-events.js';

/**
 * Refuses (throws DuplicateChargeError, so nothing of the batch commits) when a reservation is
 * charged by two different events: twice in `charges`, or once there and once already in
 * `table` (a `(reservation_id, event_id)` table keyed by reservation_id). `notInserted` are the
 * reservations whose insert hit an existing row: a re-applied charge (same event: fine) or a
 * second charge (another event: refused). Only those are looked up, so a replay pays nothing.
 */
export async function refuseDuplicateCharges(
  tx: SqlExecutor,
  processor: string,
  table: 'ledger_entries' | 'spending_charges',
  charges: readonly Charge[],
  notInserted: readonly { event_id: string; reservation_id: string }[],
): Promise<void> {
  const duplicates = duplicateChargesInBatch(charges);
  if (notInserted.length > 0) {
    const { rows } = await tx.query<{ reservation_id: string; event_id: string }>(
      `SELECT reservation_id, event_id::text AS event_id FROM ${table} WHERE reservation_id = ANY($1::text[])`,
      [notInserted.map((row) => row.reservation_id)],
    );
    const chargedBy = new Map(rows.map((row) => [row.reservation_id, row.event_id]));
    for (const row of notInserted) {
      const first = chargedBy.get(row.reservation_id);
      if (first !== undefined && first !== row.event_id) duplicates.push({ eventId: row.event_id, reservationId: row.reservation_id, chargedBy: first });
    }
  }
  if (duplicates.length > 0) throw new DuplicateChargeError(processor, duplicates);
}
