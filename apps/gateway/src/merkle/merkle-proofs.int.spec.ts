import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { ProcessorHost } from '@caracal/processing';
import { SqlEventStore } from '@caracal/event-store';
import { checkConsistency, checkInclusion, eventLeafHash, hashFromHex, toHex, verifyTreeHeadSignature } from '@caracal/merkle';
import { startSealTimer } from '@caracal/runtime';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

const BATCH_LEAVES = 3;

describe.each(backends)('merkle proofs and keys API on %s', (backend) => {
  let api: AdminApiHarness;
  let host: ProcessorHost;
  let sealTimer: { stop(): Promise<void> };
  let openEventId: string;

  const rows = async <T extends Record<string, unknown>>(sql: string): Promise<T[]> => (await api.client.query<T>(sql)).rows;
  const count = async (sql: string): Promise<number> => Number((await rows<{ n: string }>(sql))[0].n);

  beforeAll(async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    api = await startAdminApi(backend, {
      CARACAL_PRICEBOOK: pricebookWithResource('http://127.0.0.1:9/*', '0.01'),
      CARACAL_MERKLE_SIGNING_KEY: pem,
      CARACAL_MERKLE_BATCH_LEAVES: String(BATCH_LEAVES),
      CARACAL_MERKLE_MAX_BATCH_AGE_MS: '600000', // only full batches close: the last leaves stay open
    });
    host = new ProcessorHost({
      client: api.client, store: new SqlEventStore(api.client), registry: api.deps.registry, names: null,
      tuning: { pollMs: 100, leaseMs: 3000 },
    });
    host.start();
    sealTimer = startSealTimer({ client: api.client, sealer: api.deps.sealer!, status: () => host.status(), intervalMs: 100 });
    // Enough events for several batches, and a total that leaves the last batch open.
    let agents = 0;
    do {
      expect((await api.call('POST', '/v1/agents', { name: `proof-${agents++}`, owner: 'ops@example.com' })).status).toBe(201);
      const events = await count('SELECT count(*)::text AS n FROM events');
      await waitFor(async () => (await count('SELECT count(*)::text AS n FROM merkle_leaves')) === events, 'every event has a leaf');
    } while (agents < 4 || (await count('SELECT count(*)::text AS n FROM merkle_leaves')) % BATCH_LEAVES === 0);
    openEventId = (await rows<{ event_id: string }>('SELECT event_id::text AS event_id FROM merkle_leaves WHERE batch_id NOT IN (SELECT batch_id FROM merkle_heads) LIMIT 1'))[0].event_id;
  });
  afterAll(async () => {
    await sealTimer?.stop();
    await host?.stop();
    await api?.close();
  });

  it('GET /v1/merkle/proofs/inclusion: JSON-safe, verifies against the latest head and a given one', async () => {
    const keys = (await api.call('GET', '/v1/merkle/keys')).body.items;
    const trusted = new Map<string, string>(keys.map((key: { keyId: string; publicKeyPem: string }) => [key.keyId, key.publicKeyPem]));
    const sealed = await rows<{ event_id: string; merkle_index: string; batch_id: string }>(
      'SELECT event_id::text AS event_id, merkle_index::text AS merkle_index, batch_id::text AS batch_id FROM merkle_leaves WHERE batch_id IN (SELECT batch_id FROM merkle_heads) ORDER BY merkle_index',
    );
    expect(sealed.length).toBeGreaterThanOrEqual(2 * BATCH_LEAVES);
    for (const leaf of sealed) {
      for (const batchId of [undefined, leaf.batch_id]) {
        const answer = await api.call('GET', `/v1/merkle/proofs/inclusion?eventId=${leaf.event_id}${batchId ? `&batchId=${batchId}` : ''}`);
        expect(answer.status).toBe(200);
        const { leaf: fields, leafHash, merkleIndex, eventBatchId, head, proof } = answer.body;
        expect([merkleIndex, eventBatchId, fields.eventId, fields.globalPosition]).toEqual([Number(leaf.merkle_index), leaf.batch_id, leaf.event_id, expect.stringMatching(/^\d+$/)]);
        if (batchId) expect(head.head.batchId).toBe(batchId);
        expect(toHex(eventLeafHash(fields))).toBe(leafHash);
        expect(checkInclusion(hashFromHex(leafHash), merkleIndex, head.head.treeSize, proof.map((h: string) => hashFromHex(h)), hashFromHex(head.head.rootHash))).toEqual({ ok: true });
        expect(verifyTreeHeadSignature(head.head, head.signature, trusted)).toMatchObject({ ok: true });
      }
    }
  });

  it('inclusion errors: 400 naming the field, 404 for unknown event or batch, 409 event_not_sealed / batch_before_event', async () => {
    const bad = await api.call('GET', '/v1/merkle/proofs/inclusion?eventId=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'eventId' })]);
    const badBatch = await api.call('GET', `/v1/merkle/proofs/inclusion?eventId=${openEventId}&batchId=0`);
    expect([badBatch.status, badBatch.body.details[0].field]).toEqual([400, 'batchId']);
    const unknown = await api.call('GET', `/v1/merkle/proofs/inclusion?eventId=${randomUUID()}`);
    expect([unknown.status, unknown.body.error]).toEqual([404, 'not_found']);
    expect(unknown.body.message).toMatch(/^event .* not found$/);
    const open = await api.call('GET', `/v1/merkle/proofs/inclusion?eventId=${openEventId}`);
    expect([open.status, open.body.error]).toEqual([409, 'event_not_sealed']);
    expect(open.body.message).toContain(openEventId);
    const [last] = await rows<{ event_id: string }>('SELECT event_id::text AS event_id FROM merkle_leaves WHERE batch_id = 2 LIMIT 1');
    const before = await api.call('GET', `/v1/merkle/proofs/inclusion?eventId=${last.event_id}&batchId=1`);
    expect([before.status, before.body.error]).toEqual([409, 'batch_before_event']);
    const noBatch = await api.call('GET', `/v1/merkle/proofs/inclusion?eventId=${last.event_id}&batchId=9999`);
    expect([noBatch.status, noBatch.body.message]).toEqual([404, 'merkle batch 9999 not found']);
  });

  it('GET /v1/merkle/proofs/consistency verifies for every pair; bad input 400, unknown batch 404', async () => {
    const heads = await count('SELECT count(*)::text AS n FROM merkle_heads');
    for (let from = 1; from <= heads; from++) {
      for (let to = from; to <= heads; to++) {
        const answer = await api.call('GET', `/v1/merkle/proofs/consistency?fromBatchId=${from}&toBatchId=${to}`);
        expect(answer.status).toBe(200);
        const { from: a, to: b, proof } = answer.body;
        expect(checkConsistency(a.head.treeSize, b.head.treeSize, proof.map((h: string) => hashFromHex(h)), hashFromHex(a.head.rootHash), hashFromHex(b.head.rootHash))).toEqual({ ok: true });
      }
    }
    const reversed = await api.call('GET', '/v1/merkle/proofs/consistency?fromBatchId=2&toBatchId=1');
    expect([reversed.status, reversed.body.details[0].field]).toEqual([400, 'toBatchId']);
    const missing = await api.call('GET', '/v1/merkle/proofs/consistency?toBatchId=1');
    expect([missing.status, missing.body.details[0].field]).toEqual([400, 'fromBatchId']);
    const unknown = await api.call('GET', '/v1/merkle/proofs/consistency?fromBatchId=1&toBatchId=9999');
    expect([unknown.status, unknown.body.error]).toEqual([404, 'not_found']);
  });

  it('GET /v1/merkle/keys lists the public key with its times, never private material', async () => {
    const answer = await api.call('GET', '/v1/merkle/keys');
    expect(answer.status).toBe(200);
    expect(answer.body.items).toEqual([{
      keyId: expect.stringMatching(/^[0-9a-f]{64}$/), publicKeyPem: expect.stringContaining('-----BEGIN PUBLIC KEY-----'),
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/), retiredAt: null,
    }]);
    expect(JSON.stringify(answer.body)).not.toMatch(/PRIVATE/);
    expect((await api.call('GET', '/v1/merkle/keys', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
  });
});
