import type { MerkleBatchHead, MerkleConsistencyProof, MerkleInclusionProof, MerkleKey } from '@caracal/api-contract';
import type { ProofVerification } from '../merkle-proof-check.js';
import { count } from './plural.js';
import { formatList } from './table.js';

function verdict(title: string, verification: ProofVerification): string[] {
  return [
    `${title}: ${verification.ok ? 'OK' : 'FAILED'}`,
    ...verification.failures.map((failure) => `  - ${failure.reason}: ${failure.detail}`),
  ];
}

export function formatInclusionVerification(eventId: string, document: MerkleInclusionProof, verification: ProofVerification, keySource: string): string {
  const { head } = document.head;
  return [
    ...verdict(`Inclusion proof of event ${eventId}`, verification),
    `  merkle index  ${document.merkleIndex} (sealed in batch ${document.eventBatchId})`,
    `  head          batch ${head.batchId}, tree size ${head.treeSize}`,
    `  root          ${head.rootHash}`,
    `  key id        ${head.keyId} (trusted keys from ${keySource})`,
    `  proof         ${count(document.proof.length, 'hash', 'hashes')}`,
  ].join('\n');
}

export function formatConsistencyVerification(document: MerkleConsistencyProof, verification: ProofVerification, keySource: string): string {
  const from = document.from.head;
  const to = document.to.head;
  return [
    ...verdict(`Consistency of batch ${from.batchId} → batch ${to.batchId}`, verification),
    `  from          batch ${from.batchId}, tree size ${from.treeSize}, root ${from.rootHash}, key id ${from.keyId}`,
    `  to            batch ${to.batchId}, tree size ${to.treeSize}, root ${to.rootHash}, key id ${to.keyId}`,
    `  proof         ${count(document.proof.length, 'hash', 'hashes')} (trusted keys from ${keySource})`,
  ].join('\n');
}

export function formatBatchHeads(heads: readonly MerkleBatchHead[]): string {
  return formatList(heads, [
    { header: 'BATCH', value: (head) => head.batchId, alignRight: true },
    { header: 'TREE SIZE', value: (head) => String(head.treeSize), alignRight: true },
    { header: 'FIRST INDEX', value: (head) => String(head.firstIndex), alignRight: true },
    { header: 'LAST INDEX', value: (head) => String(head.lastIndex), alignRight: true },
    { header: 'FIRST RECORDED AT', value: (head) => head.firstRecordedAt },
    { header: 'LAST RECORDED AT', value: (head) => head.lastRecordedAt },
    { header: 'KEY ID', value: (head) => head.keyId.slice(0, 16) },
    { header: 'SEALED AT', value: (head) => head.timestamp },
  ], 'sealed batches');
}

/** PEM blocks, each after a comment naming its key id (PEM readers skip text outside the blocks). */
export function formatPublicKeys(keys: readonly Pick<MerkleKey, 'keyId' | 'publicKeyPem' | 'retiredAt'>[]): string {
  if (keys.length === 0) return 'No signing keys registered yet (the sealer registers its key with its first head).';
  return keys
    .map((key) => `# key id ${key.keyId}${key.retiredAt ? ` (retired ${key.retiredAt})` : ''}\n${key.publicKeyPem.trimEnd()}`)
    .join('\n');
}
