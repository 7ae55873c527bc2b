// merkle prove / consistency / list-batches / key generate|export-public|rotate against a throw-away
// HTTP server standing in for the gateway (as merkle-commands.spec.ts). The proof documents are
// real: built and signed with libs/merkle, so the local verification is exercised for real.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  CompactRange, consistencyProof, eventLeafHash, generateSigningKeyPair, headHash, inclusionProof, MerkleTree, signTreeHead,
  toHex, type SigningKeyPair, type TreeHead,
} from '@caracal/merkle';
import { loadSigningKeyFile, writeSigningKeyFile } from '@caracal/sealing';
import MerkleConsistency from './commands/merkle/consistency.js';
import MerkleKeyExportPublic from './commands/merkle/key/export-public.js';
import MerkleKeyGenerate from './commands/merkle/key/generate.js';
import MerkleKeyRotate from './commands/merkle/key/rotate.js';
import MerkleListBatches from './commands/merkle/list-batches.js';
import MerkleProve from './commands/merkle/prove.js';
import type { EventLeafFields, StoredHead } from '@caracal/sealing';
import type { MerkleConsistencyProof, MerkleInclusionProof, MerkleKey } from '@caracal/api-contract';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

let server: Server;
let requests: string[];
let answers: Map<string, { status: number; body: unknown }>;
let dataDir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    request.resume();
    request.on('end', () => {
      const answer = answers.get(new URL(request.url ?? '/', 'http://x').pathname) ?? { status: 404, body: { error: 'not_found', message: 'no route', request_id: 'r' } };
      response.writeHead(answer.status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = [];
  answers = new Map();
  dataDir = mkdtempSync(join(tmpdir(), 'caracal-cli-merkle-proofs-'));
  process.env.CARACAL_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.CARACAL_TOKEN = 'test-token';
  process.env.CARACAL_DATA_DIR = dataDir;
  delete process.env.CARACAL_MERKLE_SIGNING_KEY_FILE;
});
afterEach(() => {
  process.env = { ...savedEnv };
  rmSync(dataDir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

// A sealed log of 13 events in three batches ([0,4], [5,8], [9,12]) signed with `key`.
const key = generateSigningKeyPair();
const otherKey = generateSigningKeyPair();
const leaves: EventLeafFields[] = Array.from({ length: 13 }, (_, i) => ({
  merkleIndex: String(i),
  globalPosition: String(10 + 2 * i),
  streamId: `agent-${i % 3}`,
  streamPosition: String(Math.floor(i / 3) + 1),
  eventId: `0b7e3c1a-5d2f-4e8a-9c61-${String(i).padStart(12, '0')}`,
  eventType: 'AgentRegistered',
  schemaVersion: 1,
  data: { name: `agent ${i}`, budget: '100.00' },
  metadata: { actor: 'admin' },
  recordedAt: `2024-01-0${1 + Math.floor(i / 5)}T10:00:00.00000${i % 10}Z`,
}));
const leafHashes = leaves.map((leaf) => eventLeafHash(leaf));
const batchEnds = [4, 8, 12];

function signedHeads(signingKey: SigningKeyPair): StoredHead[] {
  const heads: StoredHead[] = [];
  batchEnds.forEach((lastIndex, i) => {
    const firstIndex = i === 0 ? 0 : batchEnds[i - 1] + 1;
    const head: TreeHead = {
      batchId: String(i + 1),
      treeSize: lastIndex + 1,
      rootHash: toHex(MerkleTree.fromLeafHashes(leafHashes.slice(0, lastIndex + 1)).root()),
      firstIndex,
      lastIndex,
      firstRecordedAt: leaves[firstIndex].recordedAt,
      lastRecordedAt: leaves[lastIndex].recordedAt,
      previousHeadHash: i === 0 ? null : headHash(heads[i - 1].head),
      timestamp: '2024-01-04T00:00:00.000000Z',
      keyId: signingKey.keyId,
      compactRange: CompactRange.fromLeaves(leafHashes.slice(0, lastIndex + 1)).serialize(),
    };
    heads.push({ head, signature: signTreeHead(head, signingKey.privateKeyPem), headHash: headHash(head) });
  });
  return heads;
}
const heads = signedHeads(key);
const keysAnswer = { items: [{ keyId: key.keyId, publicKeyPem: key.publicKeyPem, createdAt: '2024-01-01T00:00:00.000000Z', retiredAt: null }] satisfies MerkleKey[] };

function inclusion(index: number, head = heads[2]): MerkleInclusionProof {
  return {
    leaf: structuredClone(leaves[index]),
    leafHash: toHex(leafHashes[index]),
    merkleIndex: index,
    eventBatchId: String(batchEnds.findIndex((end) => index <= end) + 1),
    head: structuredClone(head),
    proof: inclusionProof(leafHashes.slice(0, head.head.treeSize), index).map(toHex),
  };
}

function consistency(from: number, to: number): MerkleConsistencyProof {
  return {
    from: structuredClone(heads[from - 1]),
    to: structuredClone(heads[to - 1]),
    proof: consistencyProof(leafHashes.slice(0, heads[to - 1].head.treeSize), heads[from - 1].head.treeSize).map(toHex),
  };
}

function flipHex(hex: string): string {
  return `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;
}

function writePublicKeyFile(...pems: string[]): string {
  const path = join(dataDir, 'trusted.pem');
  writeFileSync(path, pems.join('\n'));
  return path;
}

describe('caracal merkle prove', () => {
  const eventId = leaves[6].eventId;

  it('fetches the proof and the keys, verifies locally: OK with index, batch, tree size, root, key id, proof length; exit 0', async () => {
    answers.set('/v1/merkle/proofs/inclusion', { status: 200, body: inclusion(6) });
    answers.set('/v1/merkle/keys', { status: 200, body: keysAnswer });
    const run = await runCliCommand(MerkleProve, ['--event-id', eventId]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(requests).toEqual(['/v1/merkle/keys', `/v1/merkle/proofs/inclusion?eventId=${eventId}`]);
    expect(run.stdout.split('\n')).toEqual([
      `Inclusion proof of event ${eventId}: OK`,
      '  merkle index  6 (sealed in batch 2)',
      '  head          batch 3, tree size 13',
      `  root          ${heads[2].head.rootHash}`,
      `  key id        ${key.keyId} (trusted keys from the gateway (GET /v1/merkle/keys))`,
      `  proof         ${inclusion(6).proof.length} hashes`,
      '',
    ]);
  });

  it('every event of the log proves against every head that contains it, with the auditor\'s own key file (no /keys call)', async () => {
    const trusted = writePublicKeyFile(key.publicKeyPem);
    for (let index = 0; index < leaves.length; index++) {
      for (const head of heads.filter((h) => h.head.treeSize > index)) {
        answers.set('/v1/merkle/proofs/inclusion', { status: 200, body: inclusion(index, head) });
        const run = await runCliCommand(MerkleProve, ['--event-id', leaves[index].eventId, '--batch-id', head.head.batchId, '--public-key', trusted]);
        expect([index, head.head.batchId, run.exitCode]).toEqual([index, head.head.batchId, 0]);
      }
    }
    expect(requests.every((url) => url.startsWith('/v1/merkle/proofs/inclusion?'))).toBe(true);
    expect(requests[requests.length - 1]).toBe(`/v1/merkle/proofs/inclusion?eventId=${leaves[12].eventId}&batchId=3`);
  });

  it('a tampered proof sibling: FAILED inclusion_root_mismatch, exit 1', async () => {
    const document = inclusion(6);
    document.proof[1] = flipHex(document.proof[1]);
    answers.set('/v1/merkle/proofs/inclusion', { status: 200, body: document });
    const run = await runCliCommand(MerkleProve, ['--event-id', eventId, '--public-key', writePublicKeyFile(key.publicKeyPem)]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(`Inclusion proof of event ${eventId}: FAILED\n  - inclusion_root_mismatch: `);
    expect(run.stdout).not.toContain('signature_');
  });

  it('a wrong root: the signature no longer verifies and the path does not lead to it; exit 1', async () => {
    const document = inclusion(6);
    document.head.head.rootHash = flipHex(document.head.head.rootHash);
    answers.set('/v1/merkle/proofs/inclusion', { status: 200, body: document });
    const run = await runCliCommand(MerkleProve, ['--event-id', eventId, '--public-key', writePublicKeyFile(key.publicKeyPem)]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('  - signature_bad_signature: head (batch 3): the Ed25519 signature does not verify');
    expect(run.stdout).toContain('  - inclusion_root_mismatch: ');
  });

  it('a changed event (its data as the database now holds it): leaf_mismatch, exit 1', async () => {
    const document = inclusion(6);
    document.leaf!.data = { ...document.leaf!.data, budget: '1000.00' };
    answers.set('/v1/merkle/proofs/inclusion', { status: 200, body: document });
    const run = await runCliCommand(MerkleProve, ['--event-id', eventId, '--public-key', writePublicKeyFile(key.publicKeyPem)]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(`  - leaf_mismatch: the event's fields hash to `);
    expect(run.stdout).toContain(`it was sealed as ${toHex(leafHashes[6])}`);
  });

  it('a head signed by a key the auditor does not trust: unknown_key, exit 1', async () => {
    answers.set('/v1/merkle/proofs/inclusion', { status: 200, body: inclusion(6, signedHeads(otherKey)[2]) });
    const run = await runCliCommand(MerkleProve, ['--event-id', eventId, '--public-key', writePublicKeyFile(key.publicKeyPem)]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(`  - unknown_key: head (batch 3) is signed by key ${otherKey.keyId}, which is not a trusted public key`);
  });

  it('--json prints the proof document and the verification', async () => {
    const document = inclusion(2);
    answers.set('/v1/merkle/proofs/inclusion', { status: 200, body: document });
    answers.set('/v1/merkle/keys', { status: 200, body: keysAnswer });
    const run = await runCliCommand(MerkleProve, ['--event-id', leaves[2].eventId, '--json']);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ proof: document, verification: { ok: true, failures: [] } });
  });

  it('the gateway\'s 409 event_not_sealed exits 1 with its message; a bad event id is a usage error with no request', async () => {
    answers.set('/v1/merkle/keys', { status: 200, body: keysAnswer });
    answers.set('/v1/merkle/proofs/inclusion', { status: 409, body: { error: 'event_not_sealed', message: 'event x is not sealed yet', request_id: 'r' } });
    const notSealed = await runCliCommand(MerkleProve, ['--event-id', eventId]);
    expect(notSealed.exitCode).toBe(1);
    expect(notSealed.stderr).toContain('event x is not sealed yet');
    requests = [];
    const bad = await runCliCommand(MerkleProve, ['--event-id', 'not-a-uuid']);
    expect(bad.exitCode).toBe(2);
    expect(requests).toEqual([]);
  });
});

describe('caracal merkle consistency', () => {
  it('every pair of heads: OK, exit 0', async () => {
    answers.set('/v1/merkle/keys', { status: 200, body: keysAnswer });
    for (let from = 1; from <= 3; from++) {
      for (let to = from; to <= 3; to++) {
        answers.set('/v1/merkle/proofs/consistency', { status: 200, body: consistency(from, to) });
        const run = await runCliCommand(MerkleConsistency, ['--from', String(from), '--to', String(to)]);
        expect([from, to, run.exitCode]).toEqual([from, to, 0]);
        expect(run.stdout).toContain(`Consistency of batch ${from} → batch ${to}: OK`);
      }
    }
    expect(requests).toContain('/v1/merkle/proofs/consistency?fromBatchId=1&toBatchId=3');
  });

  it('a tampered proof hash or a re-signed rewritten head fails, exit 1', async () => {
    const trusted = writePublicKeyFile(key.publicKeyPem);
    const tampered = consistency(1, 3);
    tampered.proof[0] = flipHex(tampered.proof[0]);
    answers.set('/v1/merkle/proofs/consistency', { status: 200, body: tampered });
    const run = await runCliCommand(MerkleConsistency, ['--from', '1', '--to', '3', '--public-key', trusted]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/Consistency of batch 1 → batch 3: FAILED\n {2}- consistency_(first|second)_root_mismatch: /);

    // A rewritten history: batch 1's root changed and re-signed with the real key still is not a prefix of batch 3.
    const rewritten = consistency(1, 3);
    const swapped = [leafHashes[1], leafHashes[0], ...leafHashes.slice(2, 5)];
    rewritten.from.head.rootHash = toHex(MerkleTree.fromLeafHashes(swapped).root());
    rewritten.from.head.compactRange = CompactRange.fromLeaves(swapped).serialize();
    rewritten.from.signature = signTreeHead(rewritten.from.head, key.privateKeyPem);
    answers.set('/v1/merkle/proofs/consistency', { status: 200, body: rewritten });
    const forged = await runCliCommand(MerkleConsistency, ['--from', '1', '--to', '3', '--public-key', trusted]);
    expect(forged.exitCode).toBe(1);
    expect(forged.stdout).toContain('consistency_first_root_mismatch');
    expect(forged.stdout).not.toContain('signature_');
  });

  it('--from after --to is a usage error, no request', async () => {
    const run = await runCliCommand(MerkleConsistency, ['--from', '3', '--to', '1']);
    expect(run.exitCode).toBe(2);
    expect(requests).toEqual([]);
  });
});

describe('caracal merkle list-batches', () => {
  it('a table of the heads over GET /v1/merkle/batches with the paging flags', async () => {
    answers.set('/v1/merkle/batches', { status: 200, body: { items: heads.slice(1).map((h) => ({ ...h.head, signature: h.signature, headHash: h.headHash })) } });
    const run = await runCliCommand(MerkleListBatches, ['--from-batch-id', '2', '--limit', '2']);
    expect(run.exitCode).toBe(0);
    expect(requests).toEqual(['/v1/merkle/batches?fromBatchId=2&limit=2']);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['BATCH', 'TREE SIZE', 'FIRST INDEX', 'LAST INDEX', 'FIRST RECORDED AT', 'LAST RECORDED AT', 'KEY ID', 'SEALED AT']);
    expect(lines[1].trim().split(/\s+/)).toEqual(['2', '9', '5', '8', leaves[5].recordedAt, leaves[8].recordedAt, key.keyId.slice(0, 16), '2024-01-04T00:00:00.000000Z']);
    expect(lines).toHaveLength(3);
  });
});

describe('caracal merkle key', () => {
  it('generate writes a 0600 PKCS#8 key, prints its key id and public key but never the private key; never overwrites', async () => {
    const out = join(dataDir, 'signing.pem');
    const run = await runCliCommand(MerkleKeyGenerate, ['--out', out]);
    expect(run.exitCode).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const signer = await loadSigningKeyFile(out);
    expect(run.stdout).toContain(`# key id ${signer.keyId}\n${signer.publicKeyPem.trimEnd()}`);
    expect(run.stdout).not.toMatch(/PRIVATE KEY/);
    expect(run.stdout).not.toContain(readFileSync(out, 'utf8').split('\n')[1]);
    const again = await runCliCommand(MerkleKeyGenerate, ['--out', out]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect((await loadSigningKeyFile(out)).keyId).toBe(signer.keyId);
    expect(requests).toEqual([]);
  });

  it('export-public --key-file derives the public key locally; an insecure key file is refused', async () => {
    const file = join(dataDir, 'k.pem');
    await writeSigningKeyFile(file, key.privateKeyPem);
    const run = await runCliCommand(MerkleKeyExportPublic, ['--key-file', file]);
    expect(run).toEqual({ stdout: `# key id ${key.keyId}\n${key.publicKeyPem}`, stderr: '', exitCode: 0 });
    writeFileSync(join(dataDir, 'open.pem'), key.privateKeyPem, { mode: 0o644 });
    const open = await runCliCommand(MerkleKeyExportPublic, ['--key-file', join(dataDir, 'open.pem')]);
    expect(open.exitCode).toBe(2);
    expect(open.stderr).toContain('chmod 600');
    expect(requests).toEqual([]);
  });

  it("export-public --out writes every gateway key (retired too); prove --public-key accepts that file across a rotation", async () => {
    answers.set('/v1/merkle/keys', {
      status: 200,
      body: { items: [{ ...keysAnswer.items[0], retiredAt: '2024-02-01T00:00:00.000000Z' }, { keyId: otherKey.keyId, publicKeyPem: otherKey.publicKeyPem, createdAt: '2024-02-01T00:00:00.000000Z', retiredAt: null }] },
    });
    const out = join(dataDir, 'public.pem');
    const run = await runCliCommand(MerkleKeyExportPublic, ['--out', out]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe(`Wrote 2 public keys to ${out}: ${key.keyId}, ${otherKey.keyId}\n`);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(`# key id ${key.keyId} (retired 2024-02-01T00:00:00.000000Z)`);
    expect(text).not.toMatch(/PRIVATE/);
    for (const signing of [key, otherKey]) {
      answers.set('/v1/merkle/proofs/inclusion', { status: 200, body: inclusion(3, signedHeads(signing)[1]) });
      const prove = await runCliCommand(MerkleProve, ['--event-id', leaves[3].eventId, '--public-key', out]);
      expect(prove.exitCode).toBe(0);
    }
  });

  it('rotate replaces the embedded key file in <data-dir>, keeps the old one as .retired (0600) and prints both key ids', async () => {
    const path = join(dataDir, 'merkle-signing-key.pem');
    await writeSigningKeyFile(path, key.privateKeyPem);
    const run = await runCliCommand(MerkleKeyRotate, []);
    expect(run.exitCode).toBe(0);
    const retired = `${path}.${key.keyId.slice(0, 16)}.retired`;
    const current = await loadSigningKeyFile(path);
    expect(current.keyId).not.toBe(key.keyId);
    expect((await loadSigningKeyFile(retired)).keyId).toBe(key.keyId);
    expect([statSync(path).mode & 0o777, statSync(retired).mode & 0o777]).toEqual([0o600, 0o600]);
    expect(run.stdout).toContain(`  old key id  ${key.keyId} (kept as ${retired})`);
    expect(run.stdout).toContain(`  new key id  ${current.keyId}`);
    expect(run.stdout).not.toMatch(/PRIVATE/);
    expect(readdirSync(dataDir).sort()).toEqual([path, retired].map((file) => basename(file)).sort()); // no temp file left
    expect(requests).toEqual([]);
  });

  it('rotate without a key file to rotate is a usage error naming it', async () => {
    const run = await runCliCommand(MerkleKeyRotate, ['--key-file', join(dataDir, 'missing.pem')]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('missing.pem');
  });
});
