import type { RecordedEvent, SqlExecutor } from '../../../../libs/event-store/src/index.js';
import { projectAdminEvents } from '../read-models/admin.projection.js';
import { RedecideError, type BudgetWriterCommand } from './budget-stream.writer.js';

/**
 * Runs inside each budget group commit, after the events are inserted:
 * 1. Locks the rows of every agent on the admitted paths (FOR SHARE) and re-reads their status.
 *    A suspension that committed after we decided makes us decide again; one still in flight
 *    waits for us. Either way no admission commits after a suspension of its path commits.
 * 2. Keeps `open_reservations` in step, so any process can find holds to expire after a crash.
 * 3. Projects policy events into the admin read model, as every admin command does inline.
 */
export async function budgetTransactionHook(rootAgentId: string, tx: SqlExecutor, events: readonly RecordedEvent[], commands: readonly BudgetWriterCommand[]): Promise<void> {
  const pathAgents = new Set<string>();
  for (const command of commands) {
    if (command.type === 'ReserveSpend') command.agentChain.forEach((agent) => pathAgents.add(agent.agentId));
  }
  if (pathAgents.size > 0) {
    const { rows } = await tx.query<{ agent_id: string; status: string }>(
      'SELECT agent_id, status FROM agents WHERE agent_id = ANY($1::uuid[]) ORDER BY agent_id FOR SHARE',
      [[...pathAgents]],
    );
    const suspended = rows.filter((row) => row.status !== 'active').map((row) => String(row.agent_id));
    const reserved = events.some((event) => event.type === 'SpendReserved');
    if (suspended.length > 0 && reserved) throw new RedecideError(suspended);
  }

  const opened = events.filter((event) => event.type === 'SpendReserved').map((event) => event.data as Record<string, string>);
  const closed = events
    .filter((event) => event.type === 'SpendSettled' || event.type === 'ReservationReleased' || event.type === 'ReservationExpired')
    .map((event) => String(event.data.reservationId));
  if (opened.length > 0) {
    await tx.query(
      `INSERT INTO open_reservations (reservation_id, root_agent_id, agent_id, amount_nanos, currency, expires_at)
       SELECT r, $1::uuid, a, n, c, x
       FROM unnest($2::uuid[], $3::uuid[], $4::bigint[], $5::text[], $6::timestamptz[]) AS t(r, a, n, c, x)
       ON CONFLICT (reservation_id) DO NOTHING`,
      [rootAgentId, opened.map((d) => d.reservationId), opened.map((d) => d.agentId), opened.map((d) => d.amountNanos),
        opened.map((d) => d.currency), opened.map((d) => d.expiresAt)],
    );
  }
  if (closed.length > 0) {
    await tx.query('DELETE FROM open_reservations WHERE reservation_id = ANY($1::uuid[])', [closed]);
  }
  const policyEvents = events.filter((event) => event.type.startsWith('BudgetPolicy'));
  if (policyEvents.length > 0) await projectAdminEvents(tx, policyEvents);
}
