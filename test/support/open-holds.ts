import type { SqlExecutor } from '@caracal/event-store';

/**
 * Holds of an agent still open, from the event log itself: reserved, with no settlement, release
 * or expiry of the same reservation on its stream.
 */
export async function openHoldsOfAgent(sql: Pick<SqlExecutor, 'query'>, agentId: string): Promise<number> {
  const { rows } = await sql.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM events r
      WHERE r.event_type = 'SpendReserved' AND r.data->>'agentId' = $1
        AND NOT EXISTS (SELECT 1 FROM events x
                         WHERE x.stream_id = r.stream_id
                           AND x.event_type IN ('SpendSettled', 'ReservationReleased', 'ReservationExpired')
                           AND x.data->>'reservationId' = r.data->>'reservationId')`,
    [agentId],
  );
  return Number(rows[0].n);
}
