import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { START_OF_LOG, type GlobalCheckpoint, type SqlClient, type SqlEventStore } from '@caracal/event-store';
import { postgresStoreFixture } from '@caracal/test-support/postgres-store-fixture.js';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';
import { waitFor } from '@caracal/test-support/wait-for.js';
import { rebaseRestoredTransactionIds } from './transaction-id-rebase.js';

jest.setTimeout(60_000);

/**
 * A log restored into another cluster holds transaction ids this cluster has not reached. Made
 * here by inserting events with such ids, out of position order as concurrent commits leave them
 * (the e2e test test/e2e/runbook-backup.e2e.spec.ts restores a real dump into a second cluster).
 */
const runPostgres = await shouldRunPostgresTests('PostgreSQL transaction id rebase tests');
(runPostgres ? describe : describe.skip)('rebaseRestoredTransactionIds (PostgreSQL)', () => {
  const fixture = postgresStoreFixture('xid_rebase');
  let client: SqlClient;
  let store: SqlEventStore;

  beforeAll(async () => {
    ({ client, store } = await fixture.open());
  });
  afterAll(async () => fixture.close());

  async function readPositions(after: GlobalCheckpoint): Promise<bigint[]> {
    return (await store.readAll({ after, maxCount: 100 })).map((event) => event.globalPosition);
  }

  it('keeps the restored order and the checkpoints, and the events appended afterwards reach the reader', async () => {
    const { rows } = await client.query<{ next: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next');
    const future = BigInt(rows[0].next) + 1_000_000n;
    // position -> transaction id offset; (xid, position) order: 2, 1, 3, 6, 4, 5
    const restored: [number, bigint][] = [[1, 10n], [2, 5n], [3, 10n], [4, 20n], [5, 20n], [6, 15n]];
    for (const [position, offset] of restored) {
      await client.query(
        `INSERT INTO events (global_position, transaction_id, stream_id, stream_position, event_id, event_type, schema_version, data_text)
         VALUES ($1::bigint, $2::xid8, $3, 1, $4, 'Restored', 1, '{}')`,
        [position, (future + offset).toString(), `restored-${position}`, randomUUID()],
      );
    }
    await client.query("SELECT setval('events_global_position_seq', 6)");
    expect(await readPositions(START_OF_LOG)).toEqual([]); // held back as if still in flight
    // A processor that had applied 2, 1 and 3 before the backup.
    await client.query(
      `INSERT INTO processor_checkpoints (processor, version, transaction_id, global_position, events_processed)
       VALUES ('restored-reader', 1, $1::xid8, 3, 3)`,
      [(future + 10n).toString()],
    );

    const rebase = await rebaseRestoredTransactionIds(client);
    expect(rebase).toMatchObject({ events: 6, newXids: 3, burned: 0 });
    expect(await rebaseRestoredTransactionIds(client)).toBeNull(); // done once

    await store.append('after-restore', [{ eventId: randomUUID(), type: 'Appended', schemaVersion: 1, data: {}, metadata: {} }], { expected: 'no_stream' });
    // Visible once every transaction older than the append has ended (other tests share the server).
    await waitFor(async () => (await readPositions(START_OF_LOG)).length === 7, 'the appended event visible to the reader', 20_000);
    expect(await readPositions(START_OF_LOG)).toEqual([2n, 1n, 3n, 6n, 4n, 5n, 7n]);
    const checkpoint = await client.query<{ transaction_id: string; global_position: string }>(
      "SELECT transaction_id::text, global_position::text FROM processor_checkpoints WHERE processor = 'restored-reader'",
    );
    const after = { transactionId: BigInt(checkpoint.rows[0].transaction_id), globalPosition: BigInt(checkpoint.rows[0].global_position) };
    expect(await readPositions(after)).toEqual([6n, 4n, 5n, 7n]);
  });

  it('does nothing to a log written in this cluster', async () => {
    await store.append('native', [{ eventId: randomUUID(), type: 'Appended', schemaVersion: 1, data: {}, metadata: {} }], { expected: 'no_stream' });
    expect(await rebaseRestoredTransactionIds(client)).toBeNull();
  });
});
