import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { BudgetExceededError, budgetStreamId, initialAgentState, type CreatePolicy, type ReserveSpend } from '@caracal/domain';
import { createPostgresClient, runMigrations, SqlEventStore, type SqlClient } from '@caracal/event-store';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { adminProjection } from '../read-models/admin.projection.js';
import { BudgetCommitGroup } from './budget-commit.group.js';
import { BudgetStreamWriter } from './budget-stream.writer.js';

const run = await shouldRunPostgresTests('budget commit group');

(run ? describe : describe.skip)('budget commit group: several budget streams in one transaction (PostgreSQL)', () => {
  let database: TestDatabase;
  let client: SqlClient;
  let store: SqlEventStore;

  beforeAll(async () => {
    database = await createTestDatabase('budget_commit_group');
    client = createPostgresClient({ connectionString: database.url, max: 8 });
    await runMigrations(client);
    store = new SqlEventStore(client, { inlineProjections: [adminProjection] });
  });
  afterAll(async () => {
    await client?.close();
    await database?.drop();
  });

  /** Writers of one process: one per stream, all sharing the process's commit group. */
  function processWriters(on: SqlEventStore = store): (rootAgentId: string) => BudgetStreamWriter {
    const group = new BudgetCommitGroup(on);
    const writers = new Map<string, BudgetStreamWriter>();
    return (rootAgentId) => {
      let writer = writers.get(rootAgentId);
      if (writer === undefined) {
        writer = new BudgetStreamWriter(rootAgentId, on, group, { onAppended: () => undefined });
        writers.set(rootAgentId, writer);
      }
      return writer;
    };
  }

  async function budgetWithLimit(writerOf: (rootAgentId: string) => BudgetStreamWriter, limit: string): Promise<string> {
    const rootAgentId = randomUUID();
    const command: CreatePolicy = {
      type: 'CreatePolicy', policyId: randomUUID(), agentId: rootAgentId,
      agent: { ...initialAgentState, status: 'active', agentId: rootAgentId, rootAgentId, name: 'group-test', owner: 'tests' },
      limit, currency: 'USD', timeWindow: 'daily', windowType: 'rolling', changeReason: 'test', actor: 'admin:test',
    };
    expect((await writerOf(rootAgentId).submit(command, { actor: 'admin:test' })).ok).toBe(true);
    return rootAgentId;
  }

  const reserve = (rootAgentId: string, amountNanos: bigint, agentId = rootAgentId): ReserveSpend => ({
    type: 'ReserveSpend', reservationId: randomUUID(), requestId: randomUUID(), agentId,
    agentChain: agentId === rootAgentId
      ? [{ agentId, status: 'active' }]
      : [{ agentId: rootAgentId, status: 'active' }, { agentId, status: 'active' }],
    resource: 'https://api.example.com/x', model: null, amountNanos, currency: 'USD', now: new Date(), ttlMs: 60_000,
  });

  async function reservedEvents(rootAgentIds: readonly string[]): Promise<{ stream_id: string; transaction_id: string }[]> {
    const { rows } = await client.query<{ stream_id: string; transaction_id: string }>(
      `SELECT stream_id, transaction_id::text FROM events WHERE event_type = 'SpendReserved' AND stream_id = ANY($1::text[])`,
      [rootAgentIds.map(budgetStreamId)],
    );
    return rows;
  }

  it('commits the holds of many streams in shared transactions, each on its own stream, budget_open_holds in step', async () => {
    const writerOf = processWriters();
    const roots = await Promise.all(Array.from({ length: 16 }, () => budgetWithLimit(writerOf, '100.00')));
    const outcomes = await Promise.all(roots.flatMap((root) => [1, 2, 3].map(() => writerOf(root).submit(reserve(root, 1_000_000_000n)))));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);

    const rows = await reservedEvents(roots);
    expect(rows).toHaveLength(48);
    for (const root of roots) expect(rows.filter((row) => row.stream_id === budgetStreamId(root))).toHaveLength(3);
    const streamsPerTransaction = new Map<string, Set<string>>();
    for (const row of rows) streamsPerTransaction.set(row.transaction_id, (streamsPerTransaction.get(row.transaction_id) ?? new Set()).add(row.stream_id));
    expect(Math.max(...[...streamsPerTransaction.values()].map((streams) => streams.size))).toBeGreaterThan(1);
    expect(streamsPerTransaction.size).toBeLessThan(48);

    const { rows: open } = await client.query<{ root_agent_id: string; open_holds: number; next_expires_at: Date }>(
      'SELECT root_agent_id, open_holds, next_expires_at FROM budget_open_holds WHERE root_agent_id = ANY($1::uuid[])',
      [roots],
    );
    expect(open.map((row) => [row.root_agent_id, row.open_holds]).sort()).toEqual(roots.map((root) => [root, 3]).sort());
    for (const root of roots) {
      const { rows: first } = await client.query<{ expires_at: string }>(
        `SELECT min((events.data->>'expiresAt')::timestamptz) AS expires_at FROM events WHERE event_type = 'SpendReserved' AND stream_id = $1`,
        [budgetStreamId(root)],
      );
      expect(open.find((row) => row.root_agent_id === root)?.next_expires_at.getTime()).toBe(new Date(first[0].expires_at).getTime());
    }
  });

  it('a stream another process wrote to meanwhile is decided again on what it wrote; the streams beside it commit', async () => {
    const writerOf = processWriters();
    const [first, second, contested, fourth] = await Promise.all([0, 1, 2, 3].map(() => budgetWithLimit(writerOf, '10.00')));
    await writerOf(contested).view();
    // Another process (its own store and writers) holds 6 of the 10 on the contested budget.
    const otherStore = new SqlEventStore(client, { inlineProjections: [adminProjection] });
    expect((await processWriters(otherStore)(contested).submit(reserve(contested, 6_000_000_000n))).ok).toBe(true);

    // Two commits go out alone at once; the contested one is third, in a group with the fourth.
    const outcomes = await Promise.all([first, second, contested, fourth].map((root) => writerOf(root).submit(reserve(root, 6_000_000_000n))));
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, false, true]);
    expect(outcomes[2].ok ? null : outcomes[2].error).toBeInstanceOf(BudgetExceededError);
    expect((await reservedEvents([contested])).length).toBe(1);
    expect((await reservedEvents([first, second, fourth])).length).toBe(3);
  });

  it('an agent suspended on one admitted path: that hold is decided again and refused, the other streams commit', async () => {
    const writerOf = processWriters();
    const roots = await Promise.all([0, 1, 2, 3].map(() => budgetWithLimit(writerOf, '100.00')));
    // The read model as the admin projection leaves a suspended child of the third root.
    const child = randomUUID();
    await client.query(
      `INSERT INTO agents (agent_id, name, description, owner, parent_agent_id, root_agent_id, ancestor_ids, status, metadata, version, created_at, updated_at)
       VALUES ($1, $2, '', 'tests', $3, $3, $4::jsonb, 'suspended', '{}', 2, now(), now())`,
      [child, `child-${child}`, roots[2], JSON.stringify([roots[2]])],
    );
    const outcomes = await Promise.all(roots.map((root, i) => writerOf(root).submit(reserve(root, 1_000_000_000n, i === 2 ? child : root))));
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, false, true]);
    expect((await reservedEvents([roots[2]])).length).toBe(0);
    expect((await reservedEvents([roots[0], roots[1], roots[3]])).length).toBe(3);
  });
});
