// The Redis counters' read after each batch (bucketsOfCharges) looks each bucket up by its key:
// a batch costs its own lookups however many buckets the table holds (every agent's every 15
// minutes). Matched against a key set computed in SQL, PostgreSQL scanned the whole table.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createPostgresClient, runMigrations, type SqlClient, type SqlExecutor } from '@caracal/event-store';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { tablesScannedWhole, type SentStatement } from '@caracal/test-support/query-plan.js';
import { bucketsOfCharges } from './spending-buckets.read.js';

jest.setTimeout(120_000);

const runPostgres = await shouldRunPostgresTests('PostgreSQL spending bucket read tests');
const describePostgres = runPostgres ? describe : describe.skip;

const AGENTS = 500;
const BUCKETS = 200_000;

describePostgres('bucketsOfCharges (PostgreSQL)', () => {
  let database: TestDatabase;
  let client: SqlClient;

  beforeAll(async () => {
    database = await createTestDatabase('spending_bucket_read');
    client = createPostgresClient({ connectionString: database.url, max: 2 });
    await runMigrations(client);
    // Agent i's buckets every 15 minutes from 2026-01-01; amounts name the row.
    await client.query(
      `INSERT INTO spending_buckets (agent_id, currency, bucket_start, amount_nanos, charges)
       SELECT 'agent-' || (g % $1), 'USD', timestamptz '2026-01-01T00:00:00Z' + (g / $1) * interval '15 minutes', g, 1
         FROM generate_series(0, $2::int - 1) g`,
      [AGENTS, BUCKETS],
    );
    await client.query('ANALYZE spending_buckets');
  });

  afterAll(async () => {
    await client?.close();
    await database?.drop();
  });

  // Two charges of agent-7's subtree (root agent-1) in the bucket of 2026-01-01T00:15, one of
  // agent-1 in the next: three buckets, each read once.
  const charges = [
    { agentPath: ['agent-1', 'agent-7'], currency: 'USD', reservedAt: '2026-01-01T00:15:00.000Z' },
    { agentPath: ['agent-1', 'agent-7'], currency: 'USD', reservedAt: '2026-01-01T00:29:59.999Z' },
    { agentPath: ['agent-1'], currency: 'USD', reservedAt: '2026-01-01T00:30:00.000Z' },
  ];

  it('returns the fold of every bucket the charges count in, each once', async () => {
    const buckets = await bucketsOfCharges(client, charges);
    const seen = buckets.map((b) => `${b.agentId} ${b.bucketStart.toISOString()} ${b.amountNanos}`).sort();
    expect(seen).toEqual([
      `agent-1 2026-01-01T00:15:00.000Z ${AGENTS + 1}`,
      `agent-1 2026-01-01T00:30:00.000Z ${2 * AGENTS + 1}`,
      `agent-7 2026-01-01T00:15:00.000Z ${AGENTS + 7}`,
    ]);
  });

  it(`does not scan spending_buckets for a batch of 400 charges, when it holds ${BUCKETS} buckets`, async () => {
    // A hot agent's batch: its charges in two buckets.
    const batch = Array.from({ length: 400 }, (_, i) => ({ agentPath: ['agent-1', 'agent-7'], currency: 'USD', reservedAt: new Date(Date.UTC(2026, 0, 1, 0, 15) + i * 4_000).toISOString() }));
    const sent: SentStatement[] = [];
    const recording: SqlExecutor = {
      query: (sql, params, preparedName) => {
        sent.push({ sql, params: params ?? [] });
        return client.query(sql, params, preparedName);
      },
    };
    expect(await bucketsOfCharges(recording, batch)).toHaveLength(4);
    expect(sent).toHaveLength(1);
    expect(await tablesScannedWhole(client, sent[0])).not.toContain('spending_buckets');
  });
});
