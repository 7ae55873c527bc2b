import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { budgetStreamId, type ReserveSpend } from '@caracal/domain';
import { createPostgresClient, openPgliteClient, runMigrations, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { BudgetCommitGroup } from './budget-commit.group.js';
import { BudgetStreamWriter } from './budget-stream.writer.js';
import { StaleAccessError } from './stale-access.error.js';

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

    it('a delegated path (two agents) commits with the array form of the statement, and refuses a child suspended after the decision', async () => {
      const root = randomUUID();
      const child = randomUUID();
      await insertAgent(root, root, 'active');
      await insertAgent(child, root, 'active');
      const delegated = (): ReserveSpend => ({ ...reserve(root), agentId: child, agentChain: [{ agentId: root, status: 'active' }, { agentId: child, status: 'active' }] });
      const budget = writer(root);
      const first = await budget.submit(delegated());
      expect(first.ok ? null : first.error.message).toBeNull();
      await client.query(`UPDATE agents SET status = 'suspended' WHERE agent_id = $1`, [child]);
      const outcome = await budget.submit(delegated());
      expect(outcome.ok ? null : outcome.error.message).toMatch(/suspended/);
      expect(await store.streamVersion(budgetStreamId(root))).toBe(1n);
      expect(await openHolds(root)).toBe(1);
    });

    it('holds on remembered access commit only while the key is active and the entry in place; the rest of their batch commits', async () => {
      const root = randomUUID();
      await insertAgent(root, root, 'active');
      const keyId = randomUUID().replaceAll('-', '').slice(0, 16);
      const entryId = randomUUID();
      await client.query(`INSERT INTO agent_keys (key_id, agent_id, key_hash, status, created_at) VALUES ($1, $2, 'hash', 'active', now())`, [keyId, root]);
      await client.query(`INSERT INTO allowlist_entries (entry_id, agent_id, pattern, pattern_type, created_at) VALUES ($1, $2, 'https://api.example.com/*', 'glob', now())`, [entryId, root]);
      const remembered = { keyId, entryId };
      const budget = writer(root);
      expect((await budget.submit(reserve(root), undefined, remembered)).ok).toBe(true);

      await client.query(`UPDATE allowlist_entries SET removed_at = now() WHERE entry_id = $1`, [entryId]);
      // The first goes alone; the other two queue behind it and share one commit, which refuses the remembered one.
      const [first, stale, plain] = await Promise.all([budget.submit(reserve(root)), budget.submit(reserve(root), undefined, remembered), budget.submit(reserve(root))]);
      expect([first.ok, stale.ok, plain.ok]).toEqual([true, false, true]);
      expect(stale.ok ? null : stale.error).toBeInstanceOf(StaleAccessError);
      expect(await store.streamVersion(budgetStreamId(root))).toBe(3n);
      expect(await openHolds(root)).toBe(3);

      await client.query(`UPDATE allowlist_entries SET removed_at = NULL WHERE entry_id = $1`, [entryId]);
      await client.query(`UPDATE agent_keys SET status = 'revoked' WHERE key_id = $1`, [keyId]);
      const revoked = await budget.submit(reserve(root), undefined, remembered);
      expect(revoked.ok ? null : revoked.error).toBeInstanceOf(StaleAccessError);
      expect(await store.streamVersion(budgetStreamId(root))).toBe(3n);
    });

    if (backend === 'postgres') {
      // One connection (max: 1), so its prepared statements are the ones the holds used.
      it('plans the one-stream form once (PostgreSQL keeps its generic plan), and the array form of a delegated path at every call', async () => {
        const root = randomUUID();
        const child = randomUUID();
        await insertAgent(root, root, 'active');
        await insertAgent(child, root, 'active');
        const budget = writer(root);
        for (let i = 0; i < 8; i++) expect((await budget.submit(reserve(root))).ok).toBe(true);
        for (let i = 0; i < 3; i++) {
          expect((await budget.submit({ ...reserve(root), agentId: child, agentChain: [{ agentId: root, status: 'active' }, { agentId: child, status: 'active' }] })).ok).toBe(true);
        }
        const { rows } = await client.query<{ name: string; generic_plans: string; custom_plans: string }>(
          `SELECT name, generic_plans::text, custom_plans::text FROM pg_prepared_statements
            WHERE name IN ('caracal_budget_commit_hook_one', 'caracal_budget_commit_hook')`,
        );
        const plans = new Map(rows.map((row) => [row.name, { generic: Number(row.generic_plans), custom: Number(row.custom_plans) }]));
        expect(plans.get('caracal_budget_commit_hook_one')?.generic).toBeGreaterThanOrEqual(3);
        expect(plans.get('caracal_budget_commit_hook_one')?.custom).toBeLessThanOrEqual(5);
        expect(plans.get('caracal_budget_commit_hook')?.custom).toBeGreaterThanOrEqual(3);
      });
    }
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
