// Issue 10, item 7: `db reset` empties read models only. A signed tree head or a batch id an
// auditor kept before the reset must still match, verify and extend to the newest head after it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkConsistency, hashFromHex } from '@caracal/merkle';
import { checkConsistencyProof } from '../../apps/cli/src/merkle-proof-check.js';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { InProcessProcessors, sealingTestEnv } from '@caracal/test-support/in-process-processors.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (process.env.CI === 'true' || (await postgresAvailable())) backends.push('postgres');

interface HeadView { batchId: string; treeSize: string; rootHash: string }

describe.each(backends)('db reset keeps the Merkle log on %s', (backend) => {
  let api: AdminApiHarness;
  let mock: MockUpstream;
  let processors: InProcessProcessors;
  let agents = 0;

  const count = async (sql: string): Promise<number> => Number((await api.client.query<{ n: string }>(sql)).rows[0].n);
  const start = (): void => processors.start();
  const stop = (): Promise<void> => processors.stop();
  const createAgent = async (): Promise<{ agentId: string; key: string }> => {
    const created = await api.call('POST', '/v1/agents', { name: `auditor-${agents++}`, owner: 'ops@example.com' });
    expect(created.status).toBe(201);
    return { agentId: created.body.agent.agentId, key: created.body.apiKey.key };
  };
  const settled = (): Promise<void> => processors.caughtUp();
  const heads = async (): Promise<HeadView[]> => (await api.call('GET', '/v1/merkle/batches?limit=1000')).body.items;
  const ledgerRows = async () => (await api.client.query('SELECT * FROM ledger_entries ORDER BY entry_id')).rows;
  const spendingRows = async () => (await api.client.query('SELECT * FROM spending_buckets ORDER BY agent_id, currency, bucket_start')).rows;

  beforeAll(async () => {
    mock = await startMockUpstream();
    api = await startAdminApi(backend, { CARACAL_PRICEBOOK: pricebookWithResource(`${mock.url}/*`, '0.01'), ...sealingTestEnv() });
    processors = new InProcessProcessors(api);
    start();
    const { agentId, key } = await createAgent();
    await api.call('POST', '/v1/policies', { agentId, limit: '1.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'test' });
    await api.call('POST', '/v1/allowlists', { agentId, pattern: `${mock.url}/*`, patternType: 'glob' });
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${api.baseUrl}/proxy`, { method: 'POST', headers: { 'x-caracal-key': key, 'x-caracal-target-url': `${mock.url}/r/${i}` }, body: '{}' });
      expect(response.status).toBe(200);
    }
    await waitFor(async () => (await count('SELECT count(*)::text AS n FROM ledger_entries')) === 5, 'five charges projected');
    await settled();
  });
  afterAll(async () => {
    await stop();
    await api?.close();
    await mock?.close();
  });

  it('a kept head and batch id still match, verify and extend to the newest head; the read models rebuild identically', async () => {
    // The auditor keeps the gateway's public keys, the newest signed head and its batch id.
    const keys = (await api.call('GET', '/v1/merkle/keys')).body.items as { keyId: string; publicKeyPem: string }[];
    const trusted = new Map(keys.map((key) => [key.keyId, key.publicKeyPem]));
    const before = await heads();
    expect(before.length).toBeGreaterThanOrEqual(2);
    const kept = before[before.length - 1];
    const ledgerBefore = await ledgerRows();
    const spendingBefore = await spendingRows();
    expect(ledgerBefore).toHaveLength(5);

    // The operator resets (processors stopped, as the runbook says), more events arrive, the processors rebuild.
    await stop();
    const reset = await api.call('POST', '/v1/ops/reset', { confirm: true });
    expect(reset.status).toBe(200);
    expect(reset.body.tables).toEqual(expect.arrayContaining(['ledger_entries', 'spending_buckets']));
    expect(reset.body.tables.filter((table: string) => table.startsWith('merkle'))).toEqual([]);
    expect(reset.body.kept).toEqual(['merkle-sealer-group']);
    expect(await ledgerRows()).toEqual([]);
    expect(await heads()).toEqual(before);
    await createAgent();
    start();
    await settled();
    await waitFor(async () => (await ledgerRows()).length === ledgerBefore.length, 'ledger rebuilt');

    expect(await ledgerRows()).toEqual(ledgerBefore);
    expect(await spendingRows()).toEqual(spendingBefore);
    const after = await heads();
    // Every head the auditor could have kept is byte-identical; the log only grew after them.
    expect(JSON.stringify(after.slice(0, before.length))).toBe(JSON.stringify(before));
    const newest = after[after.length - 1];
    expect(BigInt(newest.batchId)).toBeGreaterThan(BigInt(kept.batchId));
    expect((await api.client.query('SELECT key_id FROM merkle_keys')).rows).toHaveLength(1);

    // `caracal merkle verify-batch` of the old batch id, and of the first one.
    for (const batchId of ['1', kept.batchId]) {
      const verified = await api.call('GET', `/v1/merkle/batches/${batchId}/verify`);
      expect(verified.body).toMatchObject({ batchId, ok: true, failures: [] });
    }
    // `caracal merkle consistency --from <kept> --to <newest>`, checked the CLI's way, then from the
    // auditor's own copy of the kept root.
    const proof = await api.call('GET', `/v1/merkle/proofs/consistency?fromBatchId=${kept.batchId}&toBatchId=${newest.batchId}`);
    expect(proof.status).toBe(200);
    expect(JSON.stringify(proof.body.from.head)).toBe(JSON.stringify(Object.fromEntries(
      Object.entries(kept).filter(([field]) => field !== 'signature' && field !== 'headHash'),
    )));
    expect(checkConsistencyProof(proof.body, { fromBatchId: kept.batchId, toBatchId: newest.batchId }, trusted)).toEqual({ ok: true, failures: [] });
    expect(checkConsistency(
      Number(kept.treeSize), Number(newest.treeSize), proof.body.proof.map((hash: string) => hashFromHex(hash)),
      hashFromHex(kept.rootHash), hashFromHex(newest.rootHash),
    )).toEqual({ ok: true });
  });
});
