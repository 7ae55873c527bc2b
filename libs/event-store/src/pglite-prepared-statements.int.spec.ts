import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { openPgliteClient } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';

jest.setTimeout(120_000);

// Named statements on PGlite run prepared (PglitePreparedStatements): one Bind + Execute + Sync
// instead of PGlite's query(). They must answer exactly as query() does.
describe('PGlite named (prepared) statements', () => {
  let client: SqlClient;

  beforeAll(async () => {
    client = await openPgliteClient();
    await client.query(`CREATE TABLE items (id bigint PRIMARY KEY, name text, tag bytea, seen boolean, at timestamptz, ids uuid[])`);
  });
  afterAll(async () => {
    await client?.close();
  });

  const INSERT = `INSERT INTO items (id, name, tag, seen, at, ids) VALUES ($1::bigint, $2, $3, $4, $5, $6) RETURNING *`;
  const SELECT = `SELECT id, name, tag, seen, at, ids, id + 1 AS next FROM items WHERE id >= $1::bigint ORDER BY id`;

  it('returns the same rows and counts as the unnamed query, types parsed alike', async () => {
    const at = new Date('2026-12-05T10:00:00.123Z');
    const params = ['1', 'first', Buffer.from('00ff10', 'hex'), true, at, ['6f1c2a58-0b0e-4a39-9d43-4b2f4d0c9e01']];
    const inserted = await client.query(INSERT, params, 'items_insert');
    expect(inserted.rowCount).toBe(1);
    await client.query(INSERT, ['2', null, null, null, null, null]);

    const named = await client.query(SELECT, ['1'], 'items_select');
    const unnamed = await client.query(SELECT, ['1']);
    expect(named).toEqual(unnamed);
    expect(named.rows[0]).toEqual({
      id: '1', name: 'first', tag: new Uint8Array([0x00, 0xff, 0x10]), seen: true, at, ids: ['6f1c2a58-0b0e-4a39-9d43-4b2f4d0c9e01'], next: '2',
    });
    expect(named.rows[1]).toMatchObject({ id: '2', name: null, tag: null, seen: null, at: null, ids: null });
    // The second run of the same name binds the prepared statement again.
    expect(await client.query(SELECT, ['2'], 'items_select')).toEqual(await client.query(SELECT, ['2']));

    const updated = await client.query(`UPDATE items SET seen = $1 WHERE id <= $2::bigint`, [false, '2'], 'items_update');
    expect(updated).toEqual({ rows: [], rowCount: 2 });
  });

  it('raises PostgreSQL errors with their code, and the instance stays usable', async () => {
    await expect(client.query(INSERT, ['1', 'again', null, null, null, null], 'items_insert')).rejects.toMatchObject({ code: '23505' });
    await expect(client.query('SELECT * FROM no_such_table WHERE id = $1', [1], 'missing')).rejects.toMatchObject({ code: '42P01' });
    expect((await client.query(SELECT, ['1'], 'items_select')).rows).toHaveLength(2);
  });

  it('refuses one name with another SQL text', async () => {
    await expect(client.query('SELECT $1::int AS one', [1], 'items_select')).rejects.toThrow(/prepared with other SQL/);
  });

  it('in a transaction: its writes commit with it, and a failure rolls everything back', async () => {
    await client.transaction(async (tx) => {
      await tx.query(INSERT, ['10', 'in tx', null, null, null, null], 'items_insert');
    });
    await expect(
      client.transaction(async (tx) => {
        await tx.query(INSERT, ['11', 'rolled back', null, null, null, null], 'items_insert');
        await tx.query(INSERT, ['10', 'duplicate', null, null, null, null], 'items_insert');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const ids = (await client.query<{ id: string }>(SELECT, ['10'], 'items_select')).rows.map((row) => row.id);
    expect(ids).toEqual(['10']);
  });

  it('a lone named query waits for a transaction in progress: it never sees its uncommitted writes', async () => {
    let lone: Promise<{ rows: Record<string, unknown>[] }> | undefined;
    await expect(
      client.transaction(async (tx) => {
        await tx.query(INSERT, ['20', 'never committed', null, null, null, null], 'items_insert');
        lone = client.query(SELECT, ['20'], 'items_select');
        // Had the lone query not waited for the transaction, it would run on the one connection
        // before this statement, inside the transaction.
        await tx.query(SELECT, ['20'], 'items_select');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await lone!).rows).toEqual([]);
  });
});
