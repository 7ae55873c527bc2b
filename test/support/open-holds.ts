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

/**
 * Holds still open over every budget, as the gateway's commits keep them (`budget_open_holds`):
 * 0 once each admitted request's settlement, release or expiry has committed. The gateway
 * settles after its response has gone, so a test waits for this before it reads what follows.
 */
export async function openHoldsInAllBudgets(sql: Pick<SqlExecutor, 'query'>): Promise<number> {
  const { rows } = await sql.query<{ n: string }>('SELECT coalesce(sum(open_holds), 0)::text AS n FROM budget_open_holds');
  return Number(rows[0].n);
}
