import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { budgetSnapshot, type ReserveSpend } from '@caracal/domain';
import { openPgliteClient, runMigrations, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { BudgetCommitGroup } from './budget-commit.group.js';
import { BudgetStreamWriter } from './budget-stream.writer.js';
import { BudgetWriterRegistry } from './budget-writer.registry.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

const IDLE_MS = 60_000;

describe('budget writer registry (PGlite)', () => {
  let client: SqlClient;
  let store: SqlEventStore;
  let registry: BudgetWriterRegistry;

  const reserve = (rootAgentId: string): ReserveSpend => ({
    type: 'ReserveSpend', reservationId: randomUUID(), requestId: randomUUID(), agentId: rootAgentId,
    agentChain: [{ agentId: rootAgentId, status: 'active' }], resource: 'https://api.example.com/x', model: null,
    amountNanos: 1_000_000n, currency: 'USD', now: new Date(), ttlMs: 60_000,
  });

  beforeAll(async () => {
    client = await openPgliteClient({});
    await runMigrations(client);
    store = new SqlEventStore(client);
    const commits = new BudgetCommitGroup(store);
    registry = new BudgetWriterRegistry((rootAgentId) => new BudgetStreamWriter(rootAgentId, store, commits, { onAppended: () => undefined }), IDLE_MS);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('drops writers unused for the idle time; their successors load the same state from the stream', async () => {
    const roots = [randomUUID(), randomUUID(), randomUUID()];
    for (const root of roots) expect((await registry.get(root).submit(reserve(root))).ok).toBe(true);
    const before = await Promise.all(roots.map(async (root) => budgetSnapshot(await registry.get(root).view())));

    expect(registry.evictIdle(Date.now())).toBe(0); // just used
    expect(registry.size).toBe(3);
    expect(registry.evictIdle(Date.now() + IDLE_MS + 1)).toBe(3);
    expect(registry.size).toBe(0);

    const reloaded = await Promise.all(roots.map(async (root) => budgetSnapshot(await registry.get(root).view())));
    expect(reloaded).toEqual(before);
    // The successor appends after what its predecessor wrote.
    expect((await registry.get(roots[0]).submit(reserve(roots[0]))).ok).toBe(true);
  });

  it('keeps a writer that still holds a lingering resolution, until it is committed', async () => {
    registry.evictIdle(Date.now() + IDLE_MS + 1); // the writers of the test before
    const root = randomUUID();
    const hold = reserve(root);
    expect((await registry.get(root).submit(hold)).ok).toBe(true);
    const settled = registry.get(root).submit({ type: 'SettleSpend', reservationId: hold.reservationId, amountNanos: 500_000n, usage: {}, pricebookVersion: 'test', now: new Date() });
    expect(registry.evictIdle(Date.now() + IDLE_MS + 1)).toBe(0);
    expect(registry.size).toBe(1);
    expect((await settled).ok).toBe(true);
    // Idle once the writer's drain has wound down after the commit.
    await waitFor(() => registry.evictIdle(Date.now() + IDLE_MS + 1) === 1, 'the writer dropped once its resolution is committed');
    expect(registry.size).toBe(0);
  });
});
