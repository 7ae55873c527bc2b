import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  budgetSnapshot,
  budgetStreamId,
  evolveBudgetAll,
  initialBudgetState,
  type BudgetEvent,
  type ReserveSpend,
} from '../../../../libs/domain/src/index.js';
import { openPgliteClient, runMigrations, SqlEventStore, type SqlClient } from '../../../../libs/event-store/src/index.js';
import { BUDGET_SNAPSHOT_TYPE } from './budget-state.loader.js';
import { BudgetStreamWriter } from './budget-stream.writer.js';
import { budgetTransactionHook } from './budget-transaction.hook.js';
import { waitFor } from '../../../../test/support/wait-for.js';

describe('budget stream writer (PGlite)', () => {
  let client: SqlClient;
  let store: SqlEventStore;
  const root = randomUUID();
  const writer = () => new BudgetStreamWriter(root, store, {
    inTransaction: (tx, events, commands) => budgetTransactionHook(root, tx, events, commands),
    onAppended: () => undefined,
  });
  const reserve = (): ReserveSpend => ({
    type: 'ReserveSpend', reservationId: randomUUID(), requestId: randomUUID(), agentId: root,
    agentChain: [{ agentId: root, status: 'active' }], resource: 'https://api.example.com/x', model: null,
    amountNanos: 1_000_000n, currency: 'USD', now: new Date(), ttlMs: 60_000,
  });

  beforeAll(async () => {
    client = await openPgliteClient({});
    await runMigrations(client);
    store = new SqlEventStore(client);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('group-commits queued decisions and snapshots a long stream; a new writer loads from the snapshot', async () => {
    const first = writer();
    const outcomes = await Promise.all(Array.from({ length: 1100 }, () => first.submit(reserve())));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const streamId = budgetStreamId(root);
    expect(await store.streamVersion(streamId)).toBe(1100n);
    // Far fewer transactions than decisions: group commit.
    const { rows } = await client.query<{ n: string }>('SELECT count(DISTINCT transaction_id)::text AS n FROM events WHERE stream_id = $1', [streamId]);
    expect(Number(rows[0].n)).toBeLessThan(100);

    // The snapshot is written in the background after the commit that crosses 1000 events.
    await waitFor(async () => (await store.loadSnapshot(streamId, BUDGET_SNAPSHOT_TYPE)) !== null, 'budget snapshot written');
    expect((await store.loadSnapshot(streamId, BUDGET_SNAPSHOT_TYPE))?.version).toBeGreaterThanOrEqual(1000n);

    const events = await store.readStream(streamId);
    const folded = evolveBudgetAll(initialBudgetState(root), events.map((e) => ({ type: e.type, schemaVersion: e.schemaVersion, data: e.data }) as unknown as BudgetEvent));
    const fromSnapshot = await writer().view();
    expect(budgetSnapshot(fromSnapshot)).toEqual(budgetSnapshot(folded));
  });
});
