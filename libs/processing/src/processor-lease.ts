import type { SqlClient, SqlExecutor } from '@caracal/event-store';
import { LeaseLostError } from './processing.errors.js';
import type { ProcessorKey } from './processor.js';

/**
 * The lease row that makes one instance per processor@version active across processes.
 *
 * Why a lease row and not (only) an advisory lock: session advisory locks belong to a pooled
 * connection, which the pg pool hands to other work and PGlite shares with everything in the
 * process; a row with an expiry works the same on both and is visible to operators (owner,
 * expiry). Times come from the database clock (clock_timestamp()), so instances on machines
 * with skewed clocks agree on when a lease expired.
 */
export class ProcessorLease {
  constructor(
    private readonly client: SqlClient,
    private readonly processor: ProcessorKey,
    readonly owner: string,
    private readonly leaseMs: number,
  ) {}

  /**
   * Takes the lease if it is free, expired, or already ours. Returns whether this owner holds it.
   * SKIP LOCKED: a row locked by a committing batch fence or another contender means "busy",
   * not "wait" (a hung owner's transaction must not hang the standby too).
   */
  async tryAcquire(): Promise<boolean> {
    return this.client.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO processor_leases (processor, version, owner, acquired_at, expires_at)
         VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp() + $4::bigint * interval '1 millisecond')
         ON CONFLICT (processor, version) DO NOTHING`,
        [this.processor.name, this.processor.version, this.owner, this.leaseMs],
      );
      const { rows } = await tx.query<{ owner: string; expired: boolean }>(
        `SELECT owner, expires_at <= clock_timestamp() AS expired FROM processor_leases
          WHERE processor = $1 AND version = $2 FOR UPDATE SKIP LOCKED`,
        [this.processor.name, this.processor.version],
      );
      if (rows.length === 0) return false;
      const { owner, expired } = rows[0];
      if (owner !== this.owner && !expired) return false;
      await tx.query(
        `UPDATE processor_leases
            SET owner = $3,
                acquired_at = CASE WHEN owner = $3 THEN acquired_at ELSE clock_timestamp() END,
                expires_at = clock_timestamp() + $4::bigint * interval '1 millisecond'
          WHERE processor = $1 AND version = $2`,
        [this.processor.name, this.processor.version, this.owner, this.leaseMs],
      );
      return true;
    });
  }

  /** Extends our unexpired lease. False when it expired or another owner has it (we lost it). */
  async renew(): Promise<boolean> {
    return (await this.extend(this.client)) === 1;
  }

  /**
   * The fence of a batch commit: in the batch's transaction, extends the lease only if this owner
   * still holds it unexpired, and throws LeaseLostError otherwise (the batch rolls back). The
   * UPDATE locks the lease row until commit, so a standby cannot take over between this check
   * and the commit.
   */
  async fence(tx: SqlExecutor): Promise<void> {
    if ((await this.extend(tx)) !== 1) throw new LeaseLostError(this.processor, this.owner);
  }

  /** Gives the lease up (graceful stop) so a standby need not wait for it to expire. */
  async release(): Promise<void> {
    await this.client.query(
      'DELETE FROM processor_leases WHERE processor = $1 AND version = $2 AND owner = $3',
      [this.processor.name, this.processor.version, this.owner],
    );
  }

  private async extend(executor: SqlExecutor): Promise<number> {
    const { rowCount } = await executor.query(
      `UPDATE processor_leases SET expires_at = clock_timestamp() + $4::bigint * interval '1 millisecond'
        WHERE processor = $1 AND version = $2 AND owner = $3 AND expires_at > clock_timestamp()`,
      [this.processor.name, this.processor.version, this.owner, this.leaseMs],
      'caracal_extend_lease',
    );
    return rowCount;
  }
}
