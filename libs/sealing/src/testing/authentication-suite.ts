// Events authenticated at write time (docs/leaf-format.md), on every backend: the sealer refuses an
// event inserted directly with SQL in a current transaction, records and reports it, and verify-range
// names it. Test code only.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  eventAuthenticator, eventKeyIdOf, SqlEventStore, START_OF_LOG, type EventKeyring, type RecordedEvent, type SqlClient,
} from '@caracal/event-store';
import { generateSigningKeyPair } from '@caracal/merkle';
import { readExportBundle } from '../export-bundle.read.js';
import { verifyExportBundle } from '../export-bundle.verify.js';
import { writeExportBundle } from '../export-bundle.write.js';
import { loadPublicKeys } from '../merkle-heads.read.js';
import { createMerkleSealer, EVENT_NOT_AUTHENTICATED, type RefusedEvent } from '../merkle-sealer.processor.js';
import { signerFromPrivateKey } from '../signing-key.js';
import { eventKeysFromFile, eventKeysFromHex, rotateEventKeyFile, writeNewEventKeyFile } from '../event-key-file.js';
import { verifyRange } from '../verify-range.js';
import { waitFor } from '@caracal/test-support/wait-for.js';
import { emptyLog } from './test-log.js';

export interface AuthenticationSuiteSetup {
  open(): Promise<{ client: SqlClient; store: SqlEventStore }>;
  close(): Promise<void>;
}

const EVERYTHING = { start: '2000-01-01T00:00:00Z', end: 'now' };

export function describeEventAuthentication(backend: string, setup: AuthenticationSuiteSetup): void {
  describe(`event authentication on ${backend}`, () => {
    let client: SqlClient;
    const key1 = randomBytes(32);
    const key2 = randomBytes(32);
    let tagged: SqlEventStore;

    beforeAll(async () => {
      ({ client } = await setup.open());
      tagged = new SqlEventStore(client, { authenticator: eventAuthenticator(key1) });
    }, 120_000);
    afterAll(async () => {
      await setup.close();
    });
    beforeEach(async () => {
      await emptyLog(client);
      await client.query('TRUNCATE merkle_refused_events');
    });

    const append = (store: SqlEventStore, stream: string, count: number): Promise<unknown> =>
      store.append(stream, Array.from({ length: count }, (_, i) => ({
        eventId: randomUUID(), type: 'TestHappened', schemaVersion: 1, data: { i, text: `é ${i}` }, metadata: { actor: 'auth-test' },
      })), { expected: 'any' });

    const sealAll = async (keyring: EventKeyring, refused: RefusedEvent[]): Promise<void> => {
      const sealer = createMerkleSealer({
        signer: signerFromPrivateKey(generateSigningKeyPair().privateKeyPem), batchLeaves: 4, maxBatchAgeMs: 600_000,
        eventKeys: () => keyring, onRefused: (refusal) => refused.push(refusal),
      });
      const { rows: [{ n }] } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM events');
      let events: RecordedEvent[] = [];
      await waitFor(async () => {
        events = await tagged.readAll({ after: START_OF_LOG, maxCount: 1000 });
        return events.length === Number(n);
      }, 'readAll to return every event');
      await client.transaction(async (tx) => {
        await sealer.apply(tx, events);
        await sealer.sealOpen(tx);
      });
    };

    it('refuses rows inserted with SQL in a current transaction (no tag, a copied tag, an unknown key), records and reports them', async () => {
      await append(tagged, 'auth-a', 3);
      const forged: Record<string, string> = { untagged: randomUUID(), copiedTag: randomUUID(), unknownKey: '' };
      // As a database superuser would: plain INSERTs, the transaction id is the current one.
      await client.query(
        `INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text)
         VALUES ('forged', 1, $1, 'SpendSettled', 1, '{"amountNanos":"1"}')`,
        [forged.untagged],
      );
      await client.query(
        `INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text, auth_key, auth_tag)
         SELECT 'forged', 2, $1, event_type, schema_version, '{"i":99}', auth_key, auth_tag FROM events WHERE stream_id = 'auth-a' LIMIT 1`,
        [forged.copiedTag],
      );
      await append(new SqlEventStore(client, { authenticator: eventAuthenticator(randomBytes(32)) }), 'auth-b', 1);
      const { rows: [unknown] } = await client.query<{ event_id: string }>(`SELECT event_id::text AS event_id FROM events WHERE stream_id = 'auth-b'`);
      forged.unknownKey = unknown.event_id;
      await append(tagged, 'auth-a', 5);

      const refused: RefusedEvent[] = [];
      await sealAll(new Map([[eventKeyIdOf(key1), key1]]), refused);
      expect(refused.map((r) => [r.eventId, r.reason]).sort()).toEqual(
        [[forged.untagged, EVENT_NOT_AUTHENTICATED], [forged.copiedTag, EVENT_NOT_AUTHENTICATED], [forged.unknownKey, EVENT_NOT_AUTHENTICATED]].sort(),
      );
      expect(refused.find((r) => r.eventId === forged.untagged)?.detail).toMatch(/no authentication tag/);
      expect(refused.find((r) => r.eventId === forged.copiedTag)?.detail).toMatch(/does not match its bytes/);
      expect(refused.find((r) => r.eventId === forged.unknownKey)?.detail).toMatch(/key the sealer does not know/);

      const { rows: leaves } = await client.query<{ event_id: string }>('SELECT event_id::text AS event_id FROM merkle_leaves');
      expect(leaves).toHaveLength(8);
      expect(leaves.map((l) => l.event_id)).not.toEqual(expect.arrayContaining([forged.untagged]));
      const { rows: quarantined } = await client.query<{ event_id: string }>('SELECT event_id::text AS event_id FROM merkle_refused_events ORDER BY global_position');
      expect(quarantined.map((r) => r.event_id).sort()).toEqual(Object.values(forged).sort());

      // Re-applied (a retry, a replay): nothing new is refused or reported, no leaf appears.
      const again: RefusedEvent[] = [];
      await sealAll(new Map([[eventKeyIdOf(key1), key1]]), again);
      expect(again).toEqual([]);

      const report = await verifyRange(client, EVERYTHING, await loadPublicKeys(client));
      expect(report.ok).toBe(false);
      expect(report.refusedEvents).toBe(3);
      // A refused event inside a sealed batch's span is also an intruder there, named as refused.
      const batchFailures = report.batches.flatMap((batch) => batch.failures);
      expect(batchFailures.every((f) => f.reason === 'unsealed_event_in_batch_range' && Object.values(forged).includes(f.eventId!))).toBe(true);
      expect(batchFailures.every((f) => /refused by the sealer/.test(f.detail!))).toBe(true);
      expect(report.failures.filter((f) => f.reason === 'event_refused').map((f) => f.eventId).sort()).toEqual(Object.values(forged).sort());
      expect(report.failures.find((f) => f.eventId === forged.untagged)?.detail).toMatch(/event_not_authenticated: the event carries no authentication tag/);

      // Offline too: an export lists them with the refusal, and verify-export reports each by event id.
      const dir = await mkdtemp(join(tmpdir(), 'caracal-auth-export-'));
      try {
        await writeExportBundle(readExportBundle(client, EVERYTHING), join(dir, 'bundle'));
        const offline = await verifyExportBundle(join(dir, 'bundle'));
        expect(offline.ok).toBe(false);
        expect(offline.failures.filter((f) => f.reason === 'event_refused').map((f) => f.eventId).sort()).toEqual(Object.values(forged).sort());
        expect(offline.batches.every((batch) => batch.ok)).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('seals events under a retired key after a rotation, and untagged events written before authentication existed', async () => {
      await append(tagged, 'rot', 3);
      await append(new SqlEventStore(client, { authenticator: eventAuthenticator(key2) }), 'rot', 3);
      const legacy = randomUUID();
      await client.query(
        `INSERT INTO events (stream_id, stream_position, event_id, event_type, schema_version, data_text) VALUES ('legacy', 1, $1, 'TestHappened', 1, '{}')`,
        [legacy],
      );
      // The bound moves past the untagged row: it is now from before authentication was required.
      const { rows: [{ bound }] } = await client.query<{ bound: string }>('SELECT required_from::text AS bound FROM event_authentication');
      await client.query('UPDATE event_authentication SET required_from = pg_current_xact_id()');
      try {
        const refused: RefusedEvent[] = [];
        await sealAll(new Map([[eventKeyIdOf(key1), key1], [eventKeyIdOf(key2), key2]]), refused);
        expect(refused).toEqual([]);
        const { rows: [{ n }] } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM merkle_leaves');
        expect(n).toBe('7');
        const report = await verifyRange(client, EVERYTHING, await loadPublicKeys(client));
        expect(report.ok).toBe(true);
      } finally {
        await client.query('UPDATE event_authentication SET required_from = $1::xid8', [bound]);
      }
    });

    it('rotates a key file: the old key still seals until it is retired, then an event under it is refused', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'caracal-event-key-rotation-'));
      try {
        const path = join(dir, 'event-auth-key');
        await writeNewEventKeyFile(path);
        // The sealer's keys are loaded once, as a running sealer's are; it re-reads the file when it changes.
        const sealerKeys = await eventKeysFromFile(path);
        const oldWriter = await eventKeysFromFile(path);
        await append(new SqlEventStore(client, { authenticator: oldWriter.authenticator }), 'rot-file', 2);
        const rotation = await rotateEventKeyFile(path);
        expect(rotation.oldKeyId).toBe(oldWriter.authenticator.keyId);
        // A writer started after the rotation tags with the new key; one started before still uses the old.
        const newWriter = await eventKeysFromFile(path);
        expect(newWriter.authenticator.keyId).toBe(rotation.newKeyId);
        await append(new SqlEventStore(client, { authenticator: newWriter.authenticator }), 'rot-file', 2);
        await append(new SqlEventStore(client, { authenticator: oldWriter.authenticator }), 'rot-file', 1);

        const refused: RefusedEvent[] = [];
        await sealAll(await sealerKeys.keyring(), refused);
        expect(refused).toEqual([]);
        const { rows: sealed } = await client.query<{ auth_key_id: string; n: number }>(
          'SELECT e.auth_key_id, count(*)::int AS n FROM merkle_leaves l JOIN events e ON e.event_id = l.event_id GROUP BY 1 ORDER BY 2',
        );
        expect(sealed).toEqual([{ auth_key_id: rotation.newKeyId, n: 2 }, { auth_key_id: rotation.oldKeyId, n: 3 }]);

        // Retired: the old key's file is deleted. A straggler still tagging with it is refused.
        await rm(rotation.retiredPath);
        await append(new SqlEventStore(client, { authenticator: oldWriter.authenticator }), 'rot-file', 1);
        await append(new SqlEventStore(client, { authenticator: newWriter.authenticator }), 'rot-file', 1);
        await sealAll(await sealerKeys.keyring(), refused);
        expect(refused).toHaveLength(1);
        expect(refused[0].detail).toBe(`the event is tagged with a key the sealer does not know (${rotation.oldKeyId})`);
        const { rows: [{ n }] } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM merkle_leaves');
        expect(n).toBe('6');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('rotates a key in the environment: the keys of CARACAL_EVENT_AUTH_ACCEPTED_KEYS seal, no others', async () => {
      const [oldKey, newKey, unknownKey] = [randomBytes(32), randomBytes(32), randomBytes(32)];
      for (const key of [oldKey, newKey, unknownKey]) {
        await append(new SqlEventStore(client, { authenticator: eventAuthenticator(key) }), 'rot-env', 1);
      }
      const refused: RefusedEvent[] = [];
      const keys = eventKeysFromHex(newKey.toString('hex'), 'env', [oldKey.toString('hex')]);
      expect(keys.authenticator.keyId).toBe(eventKeyIdOf(newKey));
      await sealAll(await keys.keyring(), refused);
      expect(refused.map((r) => r.detail)).toEqual([`the event is tagged with a key the sealer does not know (${eventKeyIdOf(unknownKey)})`]);
      const { rows } = await client.query<{ auth_key_id: string }>('SELECT e.auth_key_id FROM merkle_leaves l JOIN events e ON e.event_id = l.event_id');
      expect(rows.map((row) => row.auth_key_id).sort()).toEqual([eventKeyIdOf(oldKey), eventKeyIdOf(newKey)].sort());
    });
  });
}
