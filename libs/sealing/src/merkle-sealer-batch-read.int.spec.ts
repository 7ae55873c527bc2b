// The sealer reads each batch's events with their leaves (if any) looked up by global position:
// a batch costs its own lookups however many leaves the log holds. As joins, PostgreSQL hashed
// the whole merkle_leaves table for every batch once it judged that cheaper (docs/benchmarks.md,
// issue 9, thirteenth session).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createPostgresClient, runMigrations, SqlEventStore, type SqlClient, type SqlExecutor } from '@caracal/event-store';
import { generateSigningKeyPair } from '@caracal/merkle';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { tablesScannedWhole, type SentStatement } from '@caracal/test-support/query-plan.js';
import { createMerkleSealer } from './merkle-sealer.processor.js';
import { signerFromPrivateKey } from './signing-key.js';

jest.setTimeout(120_000);

const runPostgres = await shouldRunPostgresTests('PostgreSQL sealer batch read tests');
const describePostgres = runPostgres ? describe : describe.skip;

const BATCH = 400;
const EARLIER_LEAVES = 60_000;

describePostgres('merkle sealer: the batch read (PostgreSQL)', () => {
  let database: TestDatabase;
  let client: SqlClient;
  let read: SentStatement;

  beforeAll(async () => {
    database = await createTestDatabase('sealer_batch_read');
    client = createPostgresClient({ connectionString: database.url, max: 2 });
    await runMigrations(client);
    // A long log already sealed: its events and their leaves (rows written directly; only their
    // number and positions matter to the planner), then a batch of new events to seal.
    await client.query(
      `INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text)
       SELECT 'history', g, gen_random_uuid(), 'TestHappened', 1, '{}' FROM generate_series(1, $1::bigint) g`,
      [EARLIER_LEAVES],
    );
    await client.query(
      `INSERT INTO merkle_leaves (merkle_index, global_position, event_id, leaf_hash, recorded_at, batch_id)
       SELECT stream_position - 1, global_position, event_id, decode(repeat('00', 32), 'hex'), '2026-01-01T00:00:00.000000Z', 1 + (stream_position - 1) / 1000
         FROM events`,
    );
    await client.query('INSERT INTO merkle_state (id, next_index, next_batch_id, open_first_index) VALUES (true, $1, $2, $1)', [EARLIER_LEAVES, EARLIER_LEAVES / 1000 + 1]);
    const store = new SqlEventStore(client);
    await store.append('batch-read', Array.from({ length: BATCH }, (_, i) => ({ eventId: randomUUID(), type: 'TestHappened', schemaVersion: 1, data: { i }, metadata: {} })), { expected: 'no_stream' });
    await client.query('ANALYZE merkle_leaves');
    await client.query('ANALYZE events');
    const batch = await store.readStream('batch-read');
    const sealer = createMerkleSealer({ signer: signerFromPrivateKey(generateSigningKeyPair().privateKeyPem), batchLeaves: 1000, maxBatchAgeMs: 600_000 });
    const sent = new Map<string, SentStatement>();
    await client.transaction((tx) => {
      const recording: SqlExecutor = {
        query: (sql, params, preparedName) => {
          if (preparedName !== undefined) sent.set(preparedName, { sql, params: params ?? [] });
          return tx.query(sql, params, preparedName);
        },
      };
      return sealer.apply(recording, batch);
    });
    read = sent.get('caracal_sealer_events') as SentStatement;
  });

  afterAll(async () => {
    await client?.close();
    await database?.drop();
  });

  it('was sent for the batch, and finds each event leaf by its position', async () => {
    expect(read).toBeDefined();
    const { rows } = await client.query<{ merkle_index: string | null }>(read.sql, read.params);
    expect(rows).toHaveLength(BATCH);
    expect(rows.map((row) => Number(row.merkle_index)).sort((a, b) => a - b)).toEqual(Array.from({ length: BATCH }, (_, i) => EARLIER_LEAVES + i));
  });

  it(`does not scan merkle_leaves, when the log holds ${EARLIER_LEAVES} leaves before the batch`, async () => {
    expect(await tablesScannedWhole(client, read)).not.toContain('merkle_leaves');
  });
});
