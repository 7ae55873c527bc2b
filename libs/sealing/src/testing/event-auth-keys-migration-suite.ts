// Migration 019 (event_auth_keys) on a database with events tagged under 013-018, where each row
// holds its key id as text and the writer sent the tag as hex: those rows keep their key id and
// still seal after the migration, beside rows that name their key by number. Test code only.
import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  eventAuthenticationText, eventAuthenticator, eventKeyIdOf, runMigrations, SqlEventStore, START_OF_LOG,
  type SqlClient,
} from '@caracal/event-store';
import { generateSigningKeyPair } from '@caracal/merkle';
import { loadPublicKeys } from '../merkle-heads.read.js';
import { createMerkleSealer, type RefusedEvent } from '../merkle-sealer.processor.js';
import { signerFromPrivateKey } from '../signing-key.js';
import { verifyRange } from '../verify-range.js';
import type { MigrationSuiteSetup } from './stored-bytes-migration-suite.js';
import { migrationsBefore } from './migrations-before.js';

const EVERYTHING = { start: '2000-01-01T00:00:00Z', end: 'now' };

export function describeEventAuthKeysMigration(backend: string, setup: MigrationSuiteSetup): void {
  describe(`migration 019 (event auth keys) on ${backend}`, () => {
    let before: string;

    beforeAll(async () => {
      // The migrations as they were before 019.
      before = await migrationsBefore('019');
    });
    afterAll(async () => {
      await rm(before, { recursive: true, force: true });
    });

    /** One event appended as the store did under 013-018: caracal_append with the key id as text, the tag as hex. */
    async function appendAsBefore(client: SqlClient, key: Buffer, streamId: string, i: number): Promise<string> {
      const eventId = randomUUID();
      const dataText = `{"i":${i}}`;
      const tag = eventAuthenticator(key).tag(eventAuthenticationText({
        eventId, eventType: 'TestHappened', schemaVersion: 1, streamId, dataText, metadataText: '{}',
      }));
      await client.query(
        `SELECT * FROM caracal_append($1, 'any', NULL, ARRAY[$2::uuid], ARRAY['TestHappened'], ARRAY[1], ARRAY[$3::text], ARRAY['{}'],
                                      ARRAY[$4::text], ARRAY[$5::text])`,
        [streamId, eventId, dataText, eventKeyIdOf(key), tag.toString('hex')],
      );
      return eventId;
    }

    it('keeps the key id of rows tagged before it; they seal with the new rows under the same keyring, and verify', async () => {
      const client = await setup.open();
      try {
        const [current, retired, unknown] = [randomBytes(32), randomBytes(32), randomBytes(32)];
        await runMigrations(client, { directory: before });
        const old = [await appendAsBefore(client, retired, 'old', 1), await appendAsBefore(client, current, 'old', 2)];
        const oldUnknown = await appendAsBefore(client, unknown, 'old', 3);

        const result = await runMigrations(client);
        // 019 first; later migrations follow it.
        expect(result.applied[0]).toBe('019_event_auth_keys');
        const store = new SqlEventStore(client, { authenticator: eventAuthenticator(current) });
        for (let i = 0; i < 3; i += 1) {
          await store.append('new', [{ eventId: randomUUID(), type: 'TestHappened', schemaVersion: 1, data: { i }, metadata: {} }], { expected: 'any' });
        }

        // e.auth_key_id: the text written before 019, the numbered key's id after it.
        const { rows } = await client.query<{ stream_id: string; auth_key_id: string; auth_key: number | null; auth_key_id_text: string | null }>(
          'SELECT stream_id, e.auth_key_id, auth_key, auth_key_id_text FROM events e ORDER BY global_position',
        );
        expect(rows.map((row) => [row.stream_id, row.auth_key_id])).toEqual([
          ['old', eventKeyIdOf(retired)], ['old', eventKeyIdOf(current)], ['old', eventKeyIdOf(unknown)],
          ['new', eventKeyIdOf(current)], ['new', eventKeyIdOf(current)], ['new', eventKeyIdOf(current)],
        ]);
        expect(rows.slice(0, 3).every((row) => row.auth_key === null && row.auth_key_id_text !== null)).toBe(true);
        expect(rows.slice(3).every((row) => row.auth_key !== null && row.auth_key_id_text === null)).toBe(true);

        // A superuser's row naming a key number that names no key, with a valid tag copied from another event.
        const numbered = randomUUID();
        await client.query(
          `INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text, auth_key, auth_tag)
           SELECT 'forged', 1, $1, event_type, schema_version, data_text, 9999, auth_tag FROM events WHERE stream_id = 'new' LIMIT 1`,
          [numbered],
        );

        // The sealer checks both kinds of row: every tag under a keyring key seals, the unknown keys are named.
        const refused: RefusedEvent[] = [];
        const sealer = createMerkleSealer({
          signer: signerFromPrivateKey(generateSigningKeyPair().privateKeyPem), batchLeaves: 4, maxBatchAgeMs: 600_000,
          eventKeys: () => new Map([[eventKeyIdOf(current), current], [eventKeyIdOf(retired), retired]]), onRefused: (refusal) => refused.push(refusal),
        });
        const events = await store.readAll({ after: START_OF_LOG, maxCount: 100 });
        expect(events).toHaveLength(7);
        await client.transaction(async (tx) => {
          await sealer.apply(tx, events);
          await sealer.sealOpen(tx);
        });
        expect(refused.map((r) => [r.eventId, r.detail])).toEqual([
          [oldUnknown, `the event is tagged with a key the sealer does not know (${eventKeyIdOf(unknown)})`],
          [numbered, 'the event is tagged with a key the sealer does not know (number 9999)'],
        ]);
        const { rows: sealed } = await client.query<{ event_id: string }>('SELECT event_id::text AS event_id FROM merkle_leaves');
        expect(sealed.map((row) => row.event_id)).toEqual(expect.arrayContaining(old));
        expect(sealed).toHaveLength(5);
        const report = await verifyRange(client, EVERYTHING, await loadPublicKeys(client));
        // Every sealed leaf verifies; what fails is the two refused events (also intruders in a batch's span).
        const batchFailures = report.batches.flatMap((batch) => batch.failures);
        expect(batchFailures.every((f) => f.reason === 'unsealed_event_in_batch_range' && [oldUnknown, numbered].includes(f.eventId!))).toBe(true);
        expect(report.failures.filter((f) => f.reason === 'event_refused').map((f) => f.eventId).sort()).toEqual([oldUnknown, numbered].sort());
      } finally {
        await setup.close(client);
      }
    });

    it('numbers each key once, whichever store registers it, and keeps the numbers: event_auth_keys is append-only', async () => {
      const client = await setup.open();
      try {
        await runMigrations(client);
        const [a, b] = [randomBytes(32), randomBytes(32)];
        const append = (key: Buffer, streamId: string) => new SqlEventStore(client, { authenticator: eventAuthenticator(key) })
          .append(streamId, [{ eventId: randomUUID(), type: 'TestHappened', schemaVersion: 1, data: {}, metadata: {} }], { expected: 'any' });
        await Promise.all([append(a, 's1'), append(a, 's2'), append(b, 's3'), append(a, 's4')]);
        const { rows: keys } = await client.query<{ key_no: number; key_id: string }>('SELECT key_no, key_id FROM event_auth_keys ORDER BY key_no');
        expect(keys.map((k) => k.key_id).sort()).toEqual([eventKeyIdOf(a), eventKeyIdOf(b)].sort());
        const { rows } = await client.query<{ stream_id: string; auth_key: number }>('SELECT stream_id, auth_key FROM events ORDER BY stream_id');
        const numberOf = new Map(keys.map((k) => [k.key_id, k.key_no]));
        expect(rows.map((row) => row.auth_key)).toEqual(
          [a, a, b, a].map((key) => numberOf.get(eventKeyIdOf(key))),
        );
        await expect(client.query(`UPDATE event_auth_keys SET key_id = $1`, [eventKeyIdOf(randomBytes(32))])).rejects.toThrow(/append-only/);
        await expect(client.query('DELETE FROM event_auth_keys')).rejects.toThrow(/append-only/);
      } finally {
        await setup.close(client);
      }
    });
  });
}
