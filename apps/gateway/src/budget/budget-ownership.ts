import type { SqlClient } from '@caracal/event-store';

/** How long a claim on a stream lasts unless its owner uses the stream again (and so extends it). */
const DEFAULT_LEASE_MS = 10_000;

interface Owner {
  url: string;
  /** When to read the row again: for the owner, to extend its lease; for the others, when it would lapse. */
  recheckAtMs: number;
  /** Until then this process commits the stream's commands itself: the owner did not answer. */
  unreachableUntilMs: number;
  lastUsedMs: number;
}

/**
 * One writer per hot budget across gateway processes (docs/gateway.md, "One writer per hot
 * budget"). Two processes writing one budget stream take turns on its row lock, and each turn
 * holds the lock while its process gets a core back: with 4 processes on one hot budget they
 * served half of what one did. Once another process has written to a stream (`contended`), this
 * process claims it in budget_stream_owners, or learns who has; the others forward its commands
 * to that owner (`peerFor`), whose writer then decides every command of the stream alone.
 *
 * Routing only: every commit still checks the stream's version (or holds its lock), so a process
 * that commits a stream it does not own (the owner unreachable, a lease just changing hands) is
 * correct, only slower. The owner's lease is extended while it uses the stream and lapses when it
 * stops or dies; a process with no URL of its own (`advertise` not called) never claims.
 */
export class BudgetOwnership {
  private selfUrl: string | null = null;
  private readonly owners = new Map<string, Owner>();
  private readonly reading = new Set<string>();

  constructor(
    private readonly sql: SqlClient,
    private readonly leaseMs: number = DEFAULT_LEASE_MS,
  ) {}

  /** Where other processes reach this one; from then on it claims the streams it finds contended. */
  advertise(url: string): void {
    this.selfUrl = url;
  }

  /** The URL of the process to forward the stream's commands to, or null: commit them here. */
  peerFor(rootAgentId: string): string | null {
    this.used(rootAgentId);
    const owner = this.owners.get(rootAgentId);
    if (owner === undefined || owner.url === this.selfUrl || Date.now() < owner.unreachableUntilMs) return null;
    return owner.url;
  }

  /** This process is using the stream: the owner's lease is extended, the others' view refreshed, when due. */
  used(rootAgentId: string): void {
    const owner = this.owners.get(rootAgentId);
    if (owner === undefined) return;
    const now = Date.now();
    owner.lastUsedMs = now;
    if (now >= owner.recheckAtMs) void this.read(rootAgentId);
  }

  /** Another process wrote the stream: find its owner, or become it. Never rejects. */
  async contended(rootAgentId: string): Promise<void> {
    if (!this.owners.has(rootAgentId)) await this.read(rootAgentId);
  }

  /** The owner did not answer: commit the stream here until its lease would have lapsed. */
  unreachable(rootAgentId: string): void {
    const owner = this.owners.get(rootAgentId);
    if (owner !== undefined) owner.unreachableUntilMs = Date.now() + this.leaseMs;
  }

  /** Forgets streams nobody here used for a few leases: the map holds the budgets in use. */
  forgetIdle(nowMs: number = Date.now()): void {
    for (const [rootAgentId, owner] of this.owners) {
      if (owner.lastUsedMs < nowMs - 3 * this.leaseMs) this.owners.delete(rootAgentId);
    }
  }

  /** Gives up this process's claims, so that the others take the streams over at once. */
  async resign(): Promise<void> {
    if (this.selfUrl === null) return;
    await this.sql.query('DELETE FROM budget_stream_owners WHERE owner_url = $1', [this.selfUrl]);
  }

  /**
   * Claims the stream if nobody holds it (or this process does: that extends the lease), else
   * reads who does. Failures leave the routing as it was: commands are committed somewhere anyway.
   */
  private async read(rootAgentId: string): Promise<void> {
    if (this.reading.has(rootAgentId)) return;
    this.reading.add(rootAgentId);
    try {
      const { rows } = await this.sql.query<{ owner_url: string; ms_left: number }>(
        this.selfUrl === null ? READ_OWNER : CLAIM_OR_READ_OWNER,
        this.selfUrl === null ? [rootAgentId] : [rootAgentId, this.selfUrl, this.leaseMs / 1000],
      );
      const now = Date.now();
      if (rows.length === 0) {
        this.owners.delete(rootAgentId);
        return;
      }
      const url = rows[0].owner_url;
      const msLeft = Math.max(0, Number(rows[0].ms_left));
      const previous = this.owners.get(rootAgentId);
      this.owners.set(rootAgentId, {
        url,
        // The owner extends its lease a third of the way in; the others look again as it would lapse.
        recheckAtMs: now + (url === this.selfUrl ? this.leaseMs / 3 : msLeft + 100),
        unreachableUntilMs: previous?.url === url ? previous.unreachableUntilMs : 0,
        lastUsedMs: previous?.lastUsedMs ?? now,
      });
    } catch {
      // Routing is an optimisation: with no answer the stream's commands are committed here.
    } finally {
      this.reading.delete(rootAgentId);
    }
  }
}

const READ_OWNER = `
  SELECT owner_url, (extract(epoch FROM lease_until - now()) * 1000)::float8 AS ms_left
  FROM budget_stream_owners WHERE root_agent_id = $1 AND lease_until > now()`;

/** One round trip: the claim if the lease is free, lapsed or ours; else the row as it stands. */
const CLAIM_OR_READ_OWNER = `
  WITH claimed AS (
    INSERT INTO budget_stream_owners (root_agent_id, owner_url, lease_until)
    VALUES ($1, $2, now() + make_interval(secs => $3))
    ON CONFLICT (root_agent_id) DO UPDATE SET owner_url = EXCLUDED.owner_url, lease_until = EXCLUDED.lease_until
      WHERE budget_stream_owners.lease_until <= now() OR budget_stream_owners.owner_url = EXCLUDED.owner_url
    RETURNING owner_url, lease_until
  )
  SELECT owner_url, (extract(epoch FROM lease_until - now()) * 1000)::float8 AS ms_left FROM claimed
  UNION ALL
  SELECT owner_url, (extract(epoch FROM lease_until - now()) * 1000)::float8 AS ms_left
  FROM budget_stream_owners WHERE root_agent_id = $1 AND NOT EXISTS (SELECT 1 FROM claimed)`;
