import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { cpuMs } from './process-stats.js';

/** Transactions and rows written in one database (pg_stat_database), and the server's WAL flushes. */
export interface DatabaseCounters {
  transactions: number;
  rowsWritten: number;
  /**
   * WAL flushes (fsync/fdatasync) of the whole server (pg_stat_wal.wal_sync): a synchronous
   * commit that wrote WAL waits for one, unless a flush in flight covers it. Server-wide, so the
   * bench runs one path at a time.
   */
  walFlushes: number;
}

/**
 * Reads the statistics of the bench databases over a connection to the server's admin
 * database, so that the benchmark's own queries are not counted in them.
 */
export class PostgresStats {
  private readonly client: pg.Client;

  private constructor(adminUrl: string) {
    this.client = new pg.Client({ connectionString: adminUrl });
    this.client.on('error', () => undefined);
  }

  static async connect(adminUrl: string): Promise<PostgresStats> {
    const stats = new PostgresStats(adminUrl);
    await stats.client.connect();
    return stats;
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  async counters(database: string): Promise<DatabaseCounters> {
    const { rows } = await this.client.query<{ transactions: string; rows_written: string; wal_flushes: string }>(
      `SELECT (xact_commit + xact_rollback)::text AS transactions, (tup_inserted + tup_updated + tup_deleted)::text AS rows_written,
              (SELECT wal_sync FROM pg_stat_wal)::text AS wal_flushes
       FROM pg_stat_database WHERE datname = $1`,
      [database],
    );
    if (rows.length === 0) return { transactions: 0, rowsWritten: 0, walFlushes: 0 };
    return { transactions: Number(rows[0].transactions), rowsWritten: Number(rows[0].rows_written), walFlushes: Number(rows[0].wal_flushes) };
  }

  /**
   * The counters once the backends have reported what they did. A backend flushes its
   * statistics at most once a second (PGSTAT_MIN_INTERVAL), and an idle one within a second of
   * going idle; so wait 1.2 s, then poll until two reads 400 ms apart agree, for at most 3 s
   * (processors that keep polling never let the counter stand still; their idle transactions
   * are then part of the figure).
   */
  async settledCounters(database: string): Promise<DatabaseCounters> {
    await sleep(1_200);
    let previous = await this.counters(database);
    const end = Date.now() + 3_000;
    while (Date.now() < end) {
      await sleep(400);
      const current = await this.counters(database);
      if (current.transactions === previous.transactions && current.rowsWritten === previous.rowsWritten && current.walFlushes === previous.walFlushes) return current;
      previous = current;
    }
    return previous;
  }

  /** CPU used so far by each backend connected to `database`, by pid. */
  async backendCpu(database: string): Promise<Map<number, number>> {
    const { rows } = await this.client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
    return new Map(rows.map((row) => [row.pid, cpuMs(row.pid)]));
  }
}

/**
 * CPU the backends used between two `backendCpu` readings: backends that connected in between
 * count in full; backends that disconnected in between are missed (the gateways keep pooled
 * connections open while they are busy, so this is rare under load).
 */
export function backendCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
