// Migration 011 on a database sealed under migrations 001–010 (data as jsonb only): it re-derives
// each event's stored text, checks every sealed leaf against it before switching, and refuses to
// switch a database whose sealed leaves no longer match their events. Test code only.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runMigrations, type SqlClient } from '@caracal/event-store';
import { canonicalize, eventLeafHash, storedLeafHash, toHex } from '@caracal/merkle';
import { recordedAtTextSql } from '../merkle-heads.read.js';
import { migrationsBefore } from './migrations-before.js';

export interface MigrationSuiteSetup {
  /** A new empty database each call. */
  open(): Promise<SqlClient>;
  close(client: SqlClient): Promise<void>;
}

// Members jsonb and RFC 8785 order differently ("bb" after "a" by length in jsonb, by code unit in JCS),
// escapes, non-ASCII, nesting, arrays, a big safe integer, an empty object.
const DATA = [
  { bb: 1, a: { d: 'x', c: [1, 'é', { z: null, y: true }] } },
  { text: 'line\nbreak "quoted" \\ tab\t \u0001 😀', n: -9007199254740991 },
  {},
  { ä: 'umlaut key', a: 'ascii', Z: 'upper' },
];

export function describeStoredBytesMigration(backend: string, setup: MigrationSuiteSetup): void {
  describe(`migration 011 (stored event bytes) on ${backend}`, () => {
    let before: string;

    beforeAll(async () => {
      // The migrations as they were before 011.
      before = await migrationsBefore('011');
    });
    afterAll(async () => {
      await rm(before, { recursive: true, force: true });
    });

    /** A log under 001–010: events with jsonb data, every one with its leaf as the sealer of then computed it. */
    async function oldSealedLog(client: SqlClient): Promise<string[]> {
      await runMigrations(client, { directory: before });
      const ids = DATA.map(() => randomUUID());
      for (const [i, data] of DATA.entries()) {
        await client.query(
          `INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data, metadata)
           VALUES ('old', $1, $2, 'TestHappened', 1, $3::jsonb, '{"actor":"before-011"}')`,
          [i + 1, ids[i], JSON.stringify(data)],
        );
      }
      const { rows } = await client.query<{ global_position: string; stream_position: string; event_id: string; data: Record<string, unknown>; metadata: Record<string, unknown>; recorded_at: string }>(
        `SELECT global_position::text AS global_position, stream_position::text AS stream_position, event_id::text AS event_id, data, metadata,
                ${recordedAtTextSql('recorded_at')} AS recorded_at FROM events ORDER BY global_position`,
      );
      for (const [index, row] of rows.entries()) {
        const hash = eventLeafHash({
          merkleIndex: index, globalPosition: row.global_position, streamId: 'old', streamPosition: row.stream_position, eventId: row.event_id,
          eventType: 'TestHappened', schemaVersion: 1, data: row.data, metadata: row.metadata, recordedAt: row.recorded_at,
        });
        await client.query(
          'INSERT INTO merkle_leaves (merkle_index, global_position, event_id, leaf_hash, recorded_at) VALUES ($1, $2, $3, $4, $5)',
          [index, row.global_position, row.event_id, hash, row.recorded_at],
        );
      }
      return ids;
    }

    it('stores the RFC 8785 text of every event; each sealed leaf hashes the same from the stored bytes', async () => {
      const client = await setup.open();
      try {
        await oldSealedLog(client);
        const result = await runMigrations(client);
        expect(result.applied).toContain('013_stored_event_bytes');
        const { rows } = await client.query<{
          merkle_index: string; global_position: string; stream_position: string; event_id: string; data_text: string; metadata_text: string;
          data: unknown; recorded_at: string; leaf_hash: string;
        }>(
          `SELECT l.merkle_index::text AS merkle_index, e.global_position::text AS global_position, e.stream_position::text AS stream_position,
                  e.event_id::text AS event_id, e.data_text, e.metadata_text, e.data, ${recordedAtTextSql('e.recorded_at')} AS recorded_at,
                  encode(l.leaf_hash, 'hex') AS leaf_hash
             FROM events e JOIN merkle_leaves l ON l.global_position = e.global_position ORDER BY l.merkle_index`,
        );
        expect(rows.map((row) => row.data_text)).toEqual(DATA.map((data) => canonicalize(data)));
        expect(rows.map((row) => row.data)).toEqual(DATA); // e.data (data(e), from the stored text) is the same value
        for (const row of rows) {
          expect(toHex(storedLeafHash({
            merkleIndex: row.merkle_index, globalPosition: row.global_position, streamId: 'old', streamPosition: row.stream_position,
            eventId: row.event_id, eventType: 'TestHappened', schemaVersion: 1, dataText: row.data_text, metadataText: row.metadata_text,
            recordedAt: row.recorded_at,
          }))).toBe(row.leaf_hash);
        }
        // data is now derived from the stored text (017: a function of the row, no stored copy): it cannot be changed on its own.
        await expect(client.query(`UPDATE events SET data = '{}'`)).rejects.toThrow(/generated|DEFAULT|does not exist/i);
        const { rows: columns } = await client.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns WHERE table_name = 'events' AND column_name IN ('data', 'metadata')`,
        );
        expect(columns).toEqual([]);
      } finally {
        await setup.close(client);
      }
    });

    it('refuses to switch when a sealed leaf no longer matches its event, naming it; nothing is applied', async () => {
      const client = await setup.open();
      try {
        const ids = await oldSealedLog(client);
        await client.transaction(async (tx) => {
          await tx.query('ALTER TABLE events DISABLE TRIGGER USER');
          await tx.query(`UPDATE events SET data = '{"bb":2}' WHERE event_id = $1`, [ids[2]]);
          await tx.query('ALTER TABLE events ENABLE TRIGGER USER');
        });
        await expect(runMigrations(client)).rejects.toThrow(new RegExp(`merkle index 2 \\(event ${ids[2]}\\) does not match its event`));
        const { rows } = await client.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1');
        expect(rows[0].version).toBe('010_replay_jobs');
        const { rows: columns } = await client.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'data_text'`,
        );
        expect(columns).toEqual([]);
      } finally {
        await setup.close(client);
      }
    });
  });
}
