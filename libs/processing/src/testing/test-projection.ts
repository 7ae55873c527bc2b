import type { RecordedEvent, SqlExecutor } from '@caracal/event-store';
import type { Processor } from '../processor.js';

/**
 * A tiny projection for the runtime's tests: one row per applied event in its own table.
 * Deliberately NOT idempotent (no unique key on event_id): a doubled application shows up as two
 * rows, a missing one as none. Knobs let a test make it fail, hang, or be "fixed".
 */
export class TestProjection implements Processor {
  readonly readModelTables: string[];
  /** Events with data.poison === true throw while this is false (flip it to "deploy the fix"). */
  fixed = false;
  /** Every apply call throws after writing its rows (shows that nothing of it commits). */
  failEverything = false;
  /** Once: after writing this many rows of a batch, record the backend pid and sleep in SQL (PostgreSQL). */
  hangAfterRows: number | null = null;
  hungBackendPid: number | null = null;
  applyCalls = 0;
  readonly afterCommitted: string[] = [];
  /** When set, only these types are projected (Processor.eventTypes); others given to apply are ignored. */
  eventTypes?: readonly string[];
  /** The type of every event apply was given. */
  readonly offeredTypes = new Set<string>();
  /** Processor.keptOnReset: `db reset` leaves this one alone (like the merkle sealer). */
  keptOnReset?: boolean;

  constructor(
    readonly name: string,
    readonly version: number,
    readonly table: string,
    /** Only events of streams starting with this are projected (tests share one log). */
    readonly streamPrefix: string = '',
  ) {
    this.readModelTables = [table];
  }

  async createTable(executor: SqlExecutor): Promise<void> {
    await executor.query(
      `CREATE TABLE IF NOT EXISTS ${this.table} (
         id bigserial PRIMARY KEY, event_id uuid NOT NULL, global_position bigint NOT NULL)`,
    );
  }

  async apply(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
    this.applyCalls += 1;
    let written = 0;
    for (const event of events) {
      this.offeredTypes.add(event.type);
      if (this.eventTypes !== undefined && !this.eventTypes.includes(event.type)) continue;
      if (!event.streamId.startsWith(this.streamPrefix)) continue;
      if (event.data.poison === true && !this.fixed) throw new Error(`poison event ${event.eventId}`);
      await tx.query(`INSERT INTO ${this.table} (event_id, global_position) VALUES ($1, $2::bigint)`, [
        event.eventId,
        event.globalPosition.toString(),
      ]);
      written += 1;
      if (this.hangAfterRows !== null && written === this.hangAfterRows) {
        this.hangAfterRows = null;
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        this.hungBackendPid = rows[0].pid;
        await tx.query('SELECT pg_sleep(600)'); // until the test terminates this backend
      }
    }
    if (this.failEverything) throw new Error('failEverything is set');
  }

  async afterCommit(events: readonly RecordedEvent[]): Promise<void> {
    this.afterCommitted.push(...events.map((event) => event.eventId));
  }

  /** event id → how many rows the projection holds for it. */
  async counts(executor: SqlExecutor): Promise<Map<string, number>> {
    const { rows } = await executor.query<{ event_id: string; n: string }>(
      `SELECT event_id, count(*) AS n FROM ${this.table} GROUP BY event_id`,
    );
    return new Map(rows.map((row) => [row.event_id, Number(row.n)]));
  }
}
