import type { SqlClient, SqlExecutor } from '@caracal/event-store';

/**
 * Rows that refer to an event by its (transaction id, position) sort key: after a rebase they
 * must hold the event's new transaction id. Every one of them also holds the event's position,
 * which a restore never changes, so the new id is looked up by position.
 */
const EVENT_KEY_REFERENCES = [
  { table: 'processor_checkpoints', xid: 'transaction_id', position: 'global_position' },
  { table: 'dlq', xid: 'transaction_id', position: 'global_position' },
  { table: 'replay_jobs', xid: 'target_transaction_id', position: 'target_position' },
] as const;

/** The first transaction id PostgreSQL hands out to ordinary transactions. */
const FIRST_NORMAL_XID = 3n;

/** Same key as the migrations: a process that starts meanwhile waits, then finds nothing to do. */
const REBASE_LOCK_KEY = '7243100001';

export interface TransactionIdRebase {
  events: number;
  /** The highest restored transaction id, and this cluster's next one before the rebase. */
  restoredMaxXid: string;
  clusterNextXid: string;
  /** Distinct transaction ids the restored events have now. */
  newXids: number;
  /** Transactions spent to move this cluster's counter past the new ids (usually 0). */
  burned: number;
}

/**
 * Makes a log restored into another PostgreSQL cluster readable again by the gap-free reader.
 *
 * Events are sorted by (transaction_id, global_position), and the reader returns only events whose
 * transaction id is below the oldest one still running. A plain-SQL dump restored into a new
 * cluster keeps the old cluster's transaction ids, which can be far above the new cluster's
 * counter: the restored events would then be held back as "in flight" until the counter caught
 * up, and the events appended meanwhile, with lower ids, would sort before them and before the
 * processors' checkpoints, so the processors would never see them.
 *
 * When the log holds a transaction id that this cluster has not handed out yet (it cannot have
 * been written here), this gives the events new, lower transaction ids that keep their order
 * exactly: in (transaction_id, global_position) order, an event keeps the id of the one before
 * it while positions rise, and takes the next id where a position falls. So every checkpoint,
 * dead letter and replay target (rewritten by position) sits at the same place in the order, and
 * every event appended afterwards sorts after all of them. The Merkle leaves do not include the
 * transaction id, so the sealed batches verify unchanged. Runs at startup, before anything reads
 * or appends, in one transaction; a no-op (one index lookup) otherwise.
 */
export async function rebaseRestoredTransactionIds(client: SqlClient): Promise<TransactionIdRebase | null> {
  const probe = await client.query<{ max_xid: string | null; next_xid: string }>(
    `SELECT (SELECT transaction_id FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1)::text AS max_xid,
            pg_snapshot_xmax(pg_current_snapshot())::text AS next_xid`,
  );
  const { max_xid: maxXid, next_xid: nextXid } = probe.rows[0];
  if (maxXid === null || BigInt(maxXid) < BigInt(nextXid)) return null;

  const runs = await client.query<{ runs: string }>(
    `SELECT (count(*) FILTER (WHERE descent) + 1)::text AS runs
       FROM (SELECT global_position < lag(global_position) OVER (ORDER BY transaction_id, global_position) AS descent FROM events) ordered`,
  );
  const newXids = BigInt(runs.rows[0].runs);
  // The new ids must be below every id this cluster hands out from now on.
  const burned = await burnTransactionIdsBelow(client, FIRST_NORMAL_XID + newXids);

  return client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [REBASE_LOCK_KEY]);
    const again = await tx.query<{ future: boolean }>(
      `SELECT coalesce((SELECT max(transaction_id) FROM events) >= pg_snapshot_xmax(pg_current_snapshot()), false) AS future`,
    );
    if (!again.rows[0].future) return null; // another process rebased it while this one waited
    const events = await rewriteEventTransactionIds(tx);
    for (const ref of EVENT_KEY_REFERENCES) {
      await tx.query(
        `UPDATE ${ref.table} r SET ${ref.xid} = m.new_xid FROM caracal_xid_map m WHERE m.global_position = r.${ref.position}`,
      );
    }
    return { events, restoredMaxXid: maxXid, clusterNextXid: nextXid, newXids: Number(newXids), burned };
  });
}

async function rewriteEventTransactionIds(tx: SqlExecutor): Promise<number> {
  await tx.query(
    `CREATE TEMP TABLE caracal_xid_map ON COMMIT DROP AS
       SELECT global_position,
              (${FIRST_NORMAL_XID} + count(*) FILTER (WHERE descent) OVER (ORDER BY transaction_id, global_position))::text::xid8 AS new_xid
         FROM (SELECT global_position, transaction_id,
                      global_position < lag(global_position) OVER (ORDER BY transaction_id, global_position) AS descent
                 FROM events) ordered`,
  );
  await tx.query('CREATE UNIQUE INDEX ON caracal_xid_map (global_position)');
  // Events refuse every UPDATE (a trigger): the sort key is storage, not the fact, and this one
  // rewrite happens under the same exclusive lock as the trigger's suspension.
  // The bound from which events must carry an authentication tag moves with the events: to the
  // new id of the first event at or after it, else past every restored event.
  await tx.query(
    `UPDATE event_authentication a SET required_from = coalesce(
       (SELECT min(m.new_xid) FROM caracal_xid_map m JOIN events e ON e.global_position = m.global_position
         WHERE e.transaction_id >= a.required_from),
       pg_current_xact_id())`,
  );
  await tx.query('ALTER TABLE events DISABLE TRIGGER events_refuse_change');
  const { rowCount } = await tx.query(
    'UPDATE events e SET transaction_id = m.new_xid FROM caracal_xid_map m WHERE m.global_position = e.global_position',
  );
  await tx.query('ALTER TABLE events ENABLE TRIGGER events_refuse_change');
  return rowCount;
}

/**
 * A new cluster's counter can be below the number of ids the restored order needs (rare: a log
 * with many out-of-order commits restored into a cluster that has run few transactions). Each
 * statement outside a transaction block that asks for an id commits one.
 */
async function burnTransactionIdsBelow(client: SqlClient, target: bigint): Promise<number> {
  let burned = 0;
  for (;;) {
    const { rows } = await client.query<{ next_xid: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next_xid');
    if (BigInt(rows[0].next_xid) > target) return burned;
    await client.query('SELECT pg_current_xact_id()');
    burned += 1;
  }
}
