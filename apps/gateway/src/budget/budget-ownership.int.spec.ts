import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createPostgresClient, runMigrations, type SqlClient } from '@caracal/event-store';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { waitFor } from '@caracal/test-support/wait-for.js';
import { BudgetOwnership } from './budget-ownership.js';

const runPostgres = await shouldRunPostgresTests('PostgreSQL budget ownership tests');
const describePostgres = runPostgres ? describe : describe.skip;

const A = 'http://10.0.0.1:8443';
const B = 'http://10.0.0.2:8443';

describePostgres('budget stream ownership (PostgreSQL)', () => {
  let database: TestDatabase;
  let client: SqlClient;

  beforeAll(async () => {
    database = await createTestDatabase('budget_ownership');
    client = createPostgresClient({ connectionString: database.url, max: 4 });
    await runMigrations(client);
  });

  afterAll(async () => {
    await client?.close();
    await database?.drop();
  });

  const ownerRow = async (root: string): Promise<string | null> => {
    const { rows } = await client.query<{ owner_url: string }>('SELECT owner_url FROM budget_stream_owners WHERE root_agent_id = $1', [root]);
    return rows[0]?.owner_url ?? null;
  };

  /** Two processes (a, b) that advertise themselves, with a lease of `leaseMs`. */
  const processes = (leaseMs: number): [BudgetOwnership, BudgetOwnership] => {
    const a = new BudgetOwnership(client, leaseMs);
    const b = new BudgetOwnership(client, leaseMs);
    a.advertise(A);
    b.advertise(B);
    return [a, b];
  };

  /** Both processes found a new stream contended, a first: a owns it and b forwards to a. */
  const ownedByA = async (leaseMs: number): Promise<{ a: BudgetOwnership; b: BudgetOwnership; root: string }> => {
    const [a, b] = processes(leaseMs);
    const root = randomUUID();
    await a.contended(root);
    await b.contended(root);
    expect(await ownerRow(root)).toBe(A); // b's claim did not take a live lease
    expect(b.peerFor(root)).toBe(A);
    return { a, b, root };
  };

  it('gives a contended stream to the first process that claims it; the other forwards to it', async () => {
    const { a, root } = await ownedByA(10_000); // which checks the row and b's routing
    expect(a.peerFor(root)).toBeNull(); // the owner commits itself
    expect(a.peerFor(randomUUID())).toBeNull(); // a stream nobody claimed: commit here
  });

  it('lets a lapsed lease be taken: the owner stopped using the stream', async () => {
    const { b, root } = await ownedByA(300);
    // a does not use the stream; b looks again when the lease it saw would lapse, and claims it.
    await waitFor(() => b.peerFor(root) === null, 'b owns the stream', 10_000, 20);
    expect(await ownerRow(root)).toBe(B);
  });

  it('keeps the lease of an owner that uses the stream', async () => {
    const { a, b, root } = await ownedByA(300);
    const until = Date.now() + 1_500; // five leases
    while (Date.now() < until) {
      expect(a.peerFor(root)).toBeNull();
      expect(b.peerFor(root)).toBe(A);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await ownerRow(root)).toBe(A);
  });

  it('commits here while the owner is unreachable, and gives up its claims when it resigns', async () => {
    const { a, b, root } = await ownedByA(10_000);
    b.unreachable(root);
    expect(b.peerFor(root)).toBeNull();

    await a.resign();
    expect(await ownerRow(root)).toBeNull();
  });

  it('never claims for a process with no address of its own', async () => {
    const silent = new BudgetOwnership(client, 10_000);
    const [a] = processes(10_000);
    const root = randomUUID();
    await silent.contended(root);
    expect(await ownerRow(root)).toBeNull();
    expect(silent.peerFor(root)).toBeNull();
    // It still forwards to an owner once one has claimed the stream.
    await a.contended(root);
    await silent.contended(root);
    expect(silent.peerFor(root)).toBe(A);
  });
});
