// Migration 008: ledger entries projected before it get their hold and overage from their own
// event, with no rebuild. PGlite and PostgreSQL.
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresClient, openPgliteClient, runMigrations, type SqlClient } from '@caracal/event-store';
import { createTestDatabase, postgresAvailable } from '@caracal/test-support/postgres-test-database.js';

const MIGRATIONS = fileURLToPath(new URL('../../../schemas/migrations', import.meta.url));
const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

describe.each(backends)('migration 008 (ledger overage) on %s', (backend) => {
  const before008 = mkdtempSync(join(tmpdir(), 'caracal-migrations-'));
  for (const file of readdirSync(MIGRATIONS).filter((name) => name < '008')) cpSync(join(MIGRATIONS, file), join(before008, file));
  let client: SqlClient;
  let drop = async (): Promise<void> => {};

  afterAll(async () => {
    await client?.close();
    await drop();
    rmSync(before008, { recursive: true, force: true });
  });

  it('fills held and overage of existing entries from their events', async () => {
    if (backend === 'pglite') {
      client = await openPgliteClient({});
    } else {
      const db = await createTestDatabase('ledger_overage');
      client = createPostgresClient({ connectionString: db.url, max: 2 });
      drop = db.drop;
    }
    await runMigrations(client, { directory: before008 });
    const at = new Date().toISOString();
    const hold = { agentPath: ['a1'], resource: 'https://api.openai.com/v1/chat/completions', model: 'gpt-4o-mini', currency: 'USD', reservedAt: at };
    const over = { reservationId: randomUUID(), amountNanos: '1200', heldNanos: '900', overageNanos: '300' };
    const within = { reservationId: randomUUID(), amountNanos: '700', heldNanos: '900', overageNanos: '0' };
    const expired = { reservationId: randomUUID(), amountNanos: '500' };
    const events = [
      { type: 'SpendSettled', data: { ...hold, ...over, agentId: 'a1', usage: {}, pricebookVersion: 'v1', occurredAt: at } },
      { type: 'SpendSettled', data: { ...hold, ...within, agentId: 'a1', usage: {}, pricebookVersion: 'v1', occurredAt: at } },
      { type: 'ReservationExpired', data: { ...hold, ...expired, agentId: 'a1', occurredAt: at } },
    ];
    const ids = events.map(() => randomUUID());
    // Written as the store wrote events before 008 (today's writer also stores their text, migration 013).
    for (const [i, event] of events.entries()) {
      await client.query(
        `INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data) VALUES ('budget-a1', $1, $2, $3, 1, $4::jsonb)`,
        [i + 1, ids[i], event.type, JSON.stringify(event.data)],
      );
    }
    // The entries as the ledger writer wrote them before 008 (no held/overage columns), and one without its event.
    const orphan = randomUUID();
    const columns = `entry_id, event_id, global_position, agent_id, agent_path, reservation_id, resource, amount_nanos, currency, kind, occurred_at, recorded_at`;
    await client.query(
      `INSERT INTO ledger_entries (${columns})
       SELECT gen_random_uuid(), e.event_id, e.global_position, 'a1', '["a1"]'::jsonb, e.data->>'reservationId', 'r',
              (e.data->>'amountNanos')::bigint, 'USD', CASE e.event_type WHEN 'SpendSettled' THEN 'settled' ELSE 'expired' END, now(), now()
         FROM events e WHERE e.event_id = ANY($1::uuid[])`,
      [ids],
    );
    await client.query(
      `INSERT INTO ledger_entries (${columns}) VALUES ($1::uuid, $1::uuid, -1, 'a1', '["a1"]'::jsonb, 'orphan', 'r', 42, 'USD', 'settled', now(), now())`,
      [orphan],
    );

    // 008 applies first; later migrations follow it.
    expect((await runMigrations(client)).applied[0]).toBe('008_ledger_overage');
    const { rows } = await client.query<{ reservation_id: string; amount: string; held: string; overage: string }>(
      'SELECT reservation_id, amount_nanos::text AS amount, held_nanos::text AS held, overage_nanos::text AS overage FROM ledger_entries ORDER BY amount_nanos',
    );
    expect(rows).toEqual([
      { reservation_id: 'orphan', amount: '42', held: '42', overage: '0' },
      { reservation_id: expired.reservationId, amount: '500', held: '500', overage: '0' },
      { reservation_id: within.reservationId, amount: '700', held: '900', overage: '0' },
      { reservation_id: over.reservationId, amount: '1200', held: '900', overage: '300' },
    ]);
  });
});
