import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { budgetStreamId, type ReserveSpend } from '@caracal/domain';
import { createPostgresClient, openPgliteClient, runMigrations, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { BudgetCommitGroup } from './budget-commit.group.js';
import { BudgetStreamWriter } from './budget-stream.writer.js';

jest.setTimeout(120_000);

const runPostgres = await shouldRunPostgresTests('budget transaction hook on PostgreSQL');

/**
 * The hook's refusal happens inside its statement (CE010), which on PostgreSQL also carries the
 * COMMIT: a path agent suspended after the decision must leave nothing committed, and the writer
 * must decide again with that agent suspended.
 */
function describeHook(backend: 'postgres' | 'pglite', open: () => Promise<{ client: SqlClient; close(): Promise<void> }>): void {
  describe(`budget transaction hook (${backend})`, () => {
    let client: SqlClient;
    let close: () => Promise<void>;
    let store: SqlEventStore;
    beforeAll(async () => {
      ({ client, close } = await open());
      await runMigrations(client);
      store = new SqlEventStore(client);
    });
    afterAll(async () => {
      await close?.();
    });

    const insertAgent = (agentId: string, rootAgentId: string, status: string) => client.query(
      `INSERT INTO agents (agent_id, name, description, owner, parent_agent_id, root_agent_id, ancestor_ids, status, metadata, version, created_at, updated_at)
       VALUES ($1, $2, '', 'tests', NULL, $3, '[]', $4, '{}', 1, now(), now())`,
      [agentId, `hook-${agentId}`, rootAgentId, status],
    );
    const reserve = (rootAgentId: string): ReserveSpend => ({
      type: 'ReserveSpend', reservationId: randomUUID(), requestId: randomUUID(), agentId: rootAgentId,
      // As the gateway decided it: the agent was active when its key was read.
      agentChain: [{ agentId: rootAgentId, status: 'active' }], resource: 'https://api.example.com/x', model: null,
      amountNanos: 1_000n, currency: 'USD', now: new Date(), ttlMs: 60_000,
    });
    const writer = (rootAgentId: string) => new BudgetStreamWriter(rootAgentId, store, new BudgetCommitGroup(store), { onAppended: () => undefined });
    const openHolds = async (rootAgentId: string): Promise<number> =>
      (await client.query<{ n: number }>('SELECT open_holds AS n FROM budget_open_holds WHERE root_agent_id = $1', [rootAgentId])).rows[0]?.n ?? 0;

    it('commits a hold on an active path with its open holds', async () => {
      const root = randomUUID();
      await insertAgent(root, root, 'active');
      const budget = writer(root);
      for (let i = 0; i < 3; i++) expect((await budget.submit(reserve(root))).ok).toBe(true);
      expect(await store.streamVersion(budgetStreamId(root))).toBe(3n);
      expect(await openHolds(root)).toBe(3);
    });

    it('a path agent suspended after the decision: nothing commits, and the hold is decided again as suspended', async () => {
      const root = randomUUID();
      await insertAgent(root, root, 'active');
      const budget = writer(root);
      // The first hold commits (and, on PostgreSQL, prepares the grouped COMMIT on the connection).
      expect((await budget.submit(reserve(root))).ok).toBe(true);
      await client.query(`UPDATE agents SET status = 'suspended' WHERE agent_id = $1`, [root]);
      const outcome = await budget.submit(reserve(root));
      expect(outcome.ok).toBe(false);
      expect(outcome.ok ? null : outcome.error.message).toMatch(/suspended/);
      expect(await store.streamVersion(budgetStreamId(root))).toBe(1n);
      expect(await openHolds(root)).toBe(1);
    });
  });
}

if (runPostgres) {
  let database: TestDatabase;
  describeHook('postgres', async () => {
    database = await createTestDatabase('budget_hook');
    // One connection: the second transaction sends its hook statement and COMMIT as one group.
    const client = createPostgresClient({ connectionString: database.url, max: 1 });
    return { client, close: async () => { await client.close(); await database.drop(); } };
  });
}
describeHook('pglite', async () => {
  const client = await openPgliteClient({});
  return { client, close: () => client.close() };
});
