// Migration 020 (each leaf stored with its batch) on a database a sealer of before it left: the
// open batch's leaves without a batch id, the sealed ones with theirs. Test code only.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runMigrations, SqlEventStore } from '@caracal/event-store';
import { generateSigningKeyPair } from '@caracal/merkle';
import { loadPublicKeys } from '../merkle-heads.read.js';
import { createMerkleSealer } from '../merkle-sealer.processor.js';
import { signerFromPrivateKey } from '../signing-key.js';
import { verifyRange } from '../verify-range.js';
import { migrationsBefore } from './migrations-before.js';
import type { MigrationSuiteSetup } from './stored-bytes-migration-suite.js';
import { appendTestEvents } from './test-log.js';

const EVERYTHING = { start: '2000-01-01T00:00:00Z', end: 'now' };

export function describeLeafBatchMigration(backend: string, setup: MigrationSuiteSetup): void {
  describe(`migration 020 (leaf batch at insert) on ${backend}`, () => {
    let before: string;

    beforeAll(async () => {
      before = await migrationsBefore('020');
    });
    afterAll(async () => {
      await rm(before, { recursive: true, force: true });
    });

    it('gives the open batch its id, refuses a leaf without one, and the sealer goes on from there', async () => {
      const client = await setup.open();
      try {
        await runMigrations(client, { directory: before });
        const store = new SqlEventStore(client);
        const events = await appendTestEvents(client, store, 18, 'migration-020');
        const sealer = createMerkleSealer({ signer: signerFromPrivateKey(generateSigningKeyPair().privateKeyPem), batchLeaves: 4, maxBatchAgeMs: 600_000 });
        await client.transaction((tx) => sealer.apply(tx, events.slice(0, 10))); // batches 1, 2 sealed; 8, 9 open in 3
        // As a sealer before 020 left them: no batch id while the batch is open.
        await client.query('UPDATE merkle_leaves SET batch_id = NULL WHERE batch_id = 3');

        const result = await runMigrations(client);
        expect(result.applied[0]).toBe('020_leaf_batch_at_insert');
        const { rows } = await client.query<{ merkle_index: string; batch_id: string | null }>(
          'SELECT merkle_index::text AS merkle_index, batch_id::text AS batch_id FROM merkle_leaves l ORDER BY l.merkle_index',
        );
        expect(rows.map((row) => row.batch_id)).toEqual(['1', '1', '1', '1', '2', '2', '2', '2', '3', '3']);
        await expect(client.query(
          `INSERT INTO merkle_leaves (merkle_index, global_position, event_id, leaf_hash, recorded_at)
           VALUES (99, 99999, gen_random_uuid(), decode(repeat('00', 32), 'hex'), '2030-01-01T00:00:00.000000Z')`,
        )).rejects.toThrow(/merkle_leaves_batch_id_given/);

        const keys = await loadPublicKeys(client);
        const open = await verifyRange(client, EVERYTHING, keys);
        expect(open).toMatchObject({ ok: true, failures: [] });
        expect(open.unsealed.map((event) => event.merkleIndex)).toEqual([8, 9, ...Array<null>(8).fill(null)]); // then 8 events with no leaf yet

        await client.transaction((tx) => sealer.apply(tx, events.slice(10))); // 3 = [8, 11], 4 = [12, 15], 16, 17 open
        const sealed = await verifyRange(client, EVERYTHING, keys);
        expect(sealed).toMatchObject({ ok: true, failures: [] });
        expect(sealed.batches.map((batch) => batch.batchId)).toEqual(['1', '2', '3', '4']);
        expect(sealed.unsealed.map((event) => event.merkleIndex)).toEqual([16, 17]);
      } finally {
        await setup.close(client);
      }
    });
  });
}
