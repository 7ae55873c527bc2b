// Every CLI command with what it sends and the gateway's answers to print: a `full` answer (every
// optional field present) and a `minimal` one (every optional field absent, nullable ones null),
// shaped as docs/api.md says. The human-output snapshot test runs each; the hostile-flags property
// test reuses the argv and answers. A new command needs a case here (the tests enumerate the
// command files and fail on a command without one).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consistencyProof, generateSigningKeyPair, inclusionProof, toHex } from '@caracal/merkle';
import { writeExportBundle, writeNewEventKeyFile, writeSigningKeyFile, type ExportRecord } from '@caracal/sealing';
import { inMemoryLog, type InMemoryLog } from '@caracal/sealing/testing';
import type {
  Agent, AllowlistEntry, AllowlistTestResult, ApiKeyInfo, Backup, BackupVerification, ConsumerLag, DlqEntry, HealthReport, HistoryEntry, LedgerEntry, MerkleBatchHead,
  MerkleBatchVerification, MerkleConsistencyProof, MerkleInclusionProof, MerkleKey, MerkleRangeVerification, Policy, PolicyUsage,
  PolicyVersion, PricebookDocument, PricedModel, ReplayJob, Snapshot,
} from '@caracal/api-contract';
import type { CannedAnswer } from './canned-gateway.js';

export type Variant = 'full' | 'minimal';
export const VARIANTS: readonly Variant[] = ['full', 'minimal'];

export interface OutputRun {
  /** The command's flags and arguments (no connection flags: the tests set CARACAL_URL/TOKEN). */
  argv: string[];
  /** Answers keyed `METHOD /path`; any other request is a 404. */
  routes: Record<string, CannedAnswer>;
}

export interface OutputCase {
  /** The runs to print for a variant; `dir` is an empty scratch directory of the run. */
  runs: (variant: Variant, dir: string) => Promise<OutputRun[]> | OutputRun[];
  /** A command that calls no gateway prints the same for both variants: it runs once. */
  local?: boolean;
}

const T0 = '2024-01-15T10:00:00.000Z';
const T1 = '2024-01-16T09:30:00.000Z';
export const AGENT_ID = '3f2c5a9e-1b7d-4c1e-9a55-0d6f1e2a3b4c';
const PARENT_ID = '5b6c7d8e-0000-4000-8000-00000000000a';
const POLICY_ID = '7d1e0c4b-8a2f-4e3d-b6c1-9f0a1b2c3d4e';
const ENTRY_ID = 'a1b2c3d4-0000-4000-8000-000000000009';
const EVENT_ID = '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const KEY_ID = 'k-2f9e';

const ok = (body: unknown, status = 200): CannedAnswer => ({ status, body });

// Records, full and minimal.

const agent: Record<Variant, Agent> = {
  full: {
    agentId: AGENT_ID, name: 'summarizer', description: 'Summarizes tickets', owner: 'user@example.com', parentAgentId: PARENT_ID,
    rootAgentId: PARENT_ID, status: 'suspended', suspendedReason: 'runaway loop', metadata: { team: 'support', env: 'prod' }, version: 4,
    createdAt: T0, updatedAt: T1,
  },
  minimal: {
    agentId: AGENT_ID, name: 'a', description: '', owner: 'o', parentAgentId: null, rootAgentId: AGENT_ID, status: 'active',
    suspendedReason: null, metadata: {}, version: 1, createdAt: T0, updatedAt: T0,
  },
};

const apiKey: Record<Variant, ApiKeyInfo> = {
  full: { keyId: KEY_ID, agentId: AGENT_ID, status: 'revoked', createdAt: T0, revokedAt: T1 },
  minimal: { keyId: KEY_ID, agentId: AGENT_ID, status: 'active', createdAt: T0, revokedAt: null },
};

const history: Record<Variant, HistoryEntry[]> = {
  full: [
    { version: 1, type: 'AgentRegistered', data: { name: 'summarizer', owner: 'user@example.com' }, actor: 'admin', recordedAt: T0 },
    { version: 2, type: 'AgentSuspended', data: { reason: 'runaway loop' }, actor: 'ops@example.com', recordedAt: T1 },
  ],
  minimal: [{ version: 1, type: 'AgentRegistered', data: {}, actor: null, recordedAt: T0 }],
};

const policy: Record<Variant, Policy> = {
  full: {
    policyId: POLICY_ID, agentId: AGENT_ID, limit: '12345678901234567890.123456789', currency: 'EUR', timeWindow: 'monthly', windowType: 'calendar',
    timezone: 'Europe/Paris', active: false, version: 3, changeReason: 'Q3 plan', changedBy: 'admin', createdAt: T0, updatedAt: T1,
  },
  minimal: {
    policyId: POLICY_ID, agentId: AGENT_ID, limit: '1', currency: 'USD', timeWindow: 'total', windowType: 'rolling', timezone: 'UTC',
    active: true, version: 1, changeReason: 'r', changedBy: 'a', createdAt: T0, updatedAt: T0,
  },
};

const policyVersions: Record<Variant, PolicyVersion[]> = {
  full: [
    { policyId: POLICY_ID, version: 1, limit: '100.00', currency: 'EUR', timeWindow: 'monthly', windowType: 'calendar', timezone: 'Europe/Paris', active: true, changeReason: 'Initial budget allocation', actor: 'admin', recordedAt: T0 },
    { policyId: POLICY_ID, version: 2, limit: '250.00', currency: 'EUR', timeWindow: 'monthly', windowType: 'calendar', timezone: 'Europe/Paris', active: false, changeReason: 'Replaced', actor: 'ops', recordedAt: T1 },
  ],
  minimal: [{ policyId: POLICY_ID, version: 1, limit: '1', currency: 'USD', timeWindow: 'total', windowType: 'rolling', timezone: 'UTC', active: true, changeReason: 'r', actor: 'a', recordedAt: T0 }],
};

const allowlistEntry: Record<Variant, AllowlistEntry> = {
  full: { entryId: ENTRY_ID, agentId: AGENT_ID, pattern: '^https://api\\.openai\\.com/.*$', patternType: 'regex', createdAt: T0, removedAt: T1 },
  minimal: { entryId: ENTRY_ID, agentId: AGENT_ID, pattern: '*', patternType: 'glob', createdAt: T0, removedAt: null },
};

const allowlistTest: Record<Variant, AllowlistTestResult> = {
  full: {
    allowed: false, normalizedUrl: 'http://[::ffff:7f00:1]/latest/meta-data', matchedEntry: allowlistEntry.full, refusedBy: 'address_policy', error: 'target_forbidden',
    addressCheck: {
      method: 'literal',
      addresses: [{ address: '::ffff:7f00:1', allowed: false, block: '::ffff:0:0/96', blockName: 'IPv4-mapped Address', embedded: [{ address: '127.0.0.1', allowed: false, block: '127.0.0.0/8', blockName: 'Loopback', embedded: [] }] }],
    },
    message: 'denied: ::ffff:7f00:1 is in ::ffff:0:0/96 (IPv4-mapped Address)',
  },
  minimal: { allowed: false, normalizedUrl: 'https://example.com/', matchedEntry: null, message: `denied: no allowlist entry of agent ${AGENT_ID} matches https://example.com/` },
};

const ledgerEntry: Record<Variant, LedgerEntry> = {
  full: {
    entryId: 'le-1', eventId: EVENT_ID, globalPosition: '42', agentId: AGENT_ID, agentPath: [PARENT_ID, AGENT_ID], reservationId: 'r-1',
    resource: 'https://api.openai.com/v1/chat/completions', model: 'gpt-4o', usage: { inputTokens: 1000, outputTokens: 200 }, amount: '0.004500',
    currency: 'USD', pricebookVersion: '2025-11-24.1', kind: 'settled', occurredAt: T0, recordedAt: T0, held: '0.003000', overage: '0.001500',
  },
  minimal: {
    entryId: 'le-2', eventId: EVENT_ID, globalPosition: '7', agentId: AGENT_ID, agentPath: [AGENT_ID], reservationId: null, resource: null,
    model: null, usage: null, amount: '0', currency: 'USD', pricebookVersion: null, kind: 'expired', occurredAt: T0, recordedAt: T0,
  },
};

const policyUsage: Record<Variant, PolicyUsage> = {
  full: {
    policyId: POLICY_ID, agentId: PARENT_ID, timeWindow: 'daily', windowType: 'calendar', timezone: 'UTC', currency: 'USD', limit: '100.00',
    spent: '12.50', held: '1.25', remaining: '86.25', windowStart: '2024-01-15T00:00:00.000Z', windowEnd: '2024-01-16T00:00:00.000Z',
  },
  minimal: {
    policyId: POLICY_ID, agentId: AGENT_ID, timeWindow: 'total', windowType: 'rolling', timezone: 'UTC', currency: 'USD', limit: '1',
    spent: '0', held: '0', remaining: '1', windowStart: null, windowEnd: null,
  },
};

const dlqEntry: Record<Variant, DlqEntry> = {
  full: {
    id: '7', processor: 'ledger-writer-group', version: 2, eventId: EVENT_ID, globalPosition: '42', streamId: `reservation-${AGENT_ID}`,
    eventType: 'SpendSettled', error: 'unknown currency XYZ', attempts: 5, firstFailedAt: T0, lastFailedAt: T1, status: 'parked',
  },
  minimal: {
    id: '1', processor: 'p', version: 1, eventId: EVENT_ID, globalPosition: '1', streamId: 's', eventType: 'E', error: '', attempts: 1,
    firstFailedAt: T0, lastFailedAt: T0, status: 'retried',
  },
};

const consumerLag: Record<Variant, ConsumerLag> = {
  full: {
    consumerGroup: 'ledger-writer-group', version: 1, eventsBehind: 1250, oldestUnprocessedAt: T0, oldestUnprocessedAgeSeconds: 200_000.5,
    lastCheckpointAt: T0, eventsProcessed: 98000, owner: 'gateway-7f9c:4242', leaseExpiresAt: T1, leaseActive: true, bus: 'event-store',
  },
  minimal: {
    consumerGroup: 'metrics-aggregator-group', version: 1, eventsBehind: 0, oldestUnprocessedAt: null, oldestUnprocessedAgeSeconds: null,
    lastCheckpointAt: null, eventsProcessed: 0, owner: null, leaseExpiresAt: null, leaseActive: false, bus: 'event-store',
  },
};

/** A Kafka consumer group (CARACAL_BUS=kafka): partitions and members; the broker did not answer DescribeGroups. */
const kafkaConsumerLag: ConsumerLag = {
  consumerGroup: 'ledger-writer-group', version: 1, eventsBehind: 7, oldestUnprocessedAt: T0, oldestUnprocessedAgeSeconds: 3.25,
  lastCheckpointAt: null, eventsProcessed: 1200, owner: 'projector-a:17, projector-b:18', leaseExpiresAt: null, leaseActive: true, bus: 'kafka',
  kafka: {
    topic: 'caracal.events',
    partitions: [
      { partition: 0, committedOffset: '600', highWatermark: '607', lag: '7' },
      { partition: 1, committedOffset: '600', highWatermark: '600', lag: '0' },
      { partition: 2, committedOffset: null, highWatermark: '0', lag: '0' },
    ],
    groupState: null,
    members: [
      { memberId: 'caracal-0f1e2d3c', clientId: 'projector-a:17', host: null, partitions: [0, 2] },
      { memberId: 'caracal-4b5a6978', clientId: 'projector-b:18', host: null, partitions: [1] },
    ],
    membersSource: 'members-table',
    membersNote: 'the broker did not answer DescribeGroups (The Kafka server does not support the requested API version); members as they last reported themselves',
  },
};

const health: Record<Variant, HealthReport> = {
  full: {
    status: 'unavailable',
    checks: {
      database: { status: 'unavailable', error: 'connect ECONNREFUSED 10.0.0.5:5432' },
      migrations: { status: 'ok', applied: 5, pending: [] },
      redis: { status: 'degraded', latencyMs: null, nodes: ['a', 'b'] },
      processors: { 'ledger-writer-group': { status: 'degraded', eventsBehind: 1250, lease: { owner: 'g' } } },
      dlq: { status: 'ok', size: 0 },
    },
  },
  minimal: { status: 'ok', checks: {} },
};

const pricebookModel: Record<Variant, PricedModel> = {
  full: {
    provider: 'openai', model: 'gpt-4o', kind: 'chat', aliases: ['gpt-4o-latest', 'chatgpt-4o'], inputPerMillion: '2.50', outputPerMillion: '10.00',
    cachedInputPerMillion: '1.25', cacheWritePerMillion: '2.50', cacheWrite1hPerMillion: '5.00', maxOutputTokens: 16384, contextWindow: 128000,
    maxTokensPerImage: 1500, matchedFrom: 'gpt-4o-2024-08-06', pricebookVersion: '2025-11-24.1',
  },
  // An embedding model as pricebook/pricebook.json lists them: no kind-independent optional field.
  minimal: {
    provider: 'openai', model: 'text-embedding-3-small', kind: 'embedding', inputPerMillion: '0.02', maxOutputTokens: 0, contextWindow: 8192,
    matchedFrom: 'text-embedding-3-small', pricebookVersion: '2025-11-24.1',
  },
};

function pricebook(variant: Variant): PricebookDocument {
  const { matchedFrom: _m, pricebookVersion: _v, ...model } = pricebookModel[variant];
  if (variant === 'minimal') {
    const { kind: _kind, ...chat } = { ...model, model: 'tiny', outputPerMillion: '0.10', maxOutputTokens: 10 };
    return { version: 'v1', effectiveFrom: '2025-01-01T00:00:00Z', currency: 'USD', source: 's', publishedAt: null, models: [model, chat] };
  }
  return {
    version: '2026-12.1', effectiveFrom: '2026-12-01T00:00:00Z', currency: 'USD', source: 'Public list prices', publishedAt: T1,
    models: [model, pricebookModel.minimal],
    resources: [
      { pattern: 'https://api.search.example/*', perRequest: '0.005', description: 'Web search' },
      { pattern: 'https://maps.example/v1/*', perRequest: '0.001' },
    ],
  };
}

const snapshot: Record<Variant, Snapshot> = {
  full: {
    snapshotId: '0c1d2e3f-0000-4000-8000-00000000000b', createdAt: T1, tag: 'before-upgrade',
    manifest: {
      processors: [
        { name: 'ledger-writer-group', version: 1, transactionId: '811', globalPosition: '4200', eventsProcessed: '4100' },
        { name: 'metrics-aggregator-group', version: 2, transactionId: '811', globalPosition: '4198', eventsProcessed: '4098' },
      ],
      tables: [{ table: 'ledger_entries', rows: 2100 }, { table: 'spending_buckets', rows: 12 }],
      anchor: { globalPosition: '4200', eventId: EVENT_ID },
      merkleHead: { batchId: '5', treeSize: 4000, headHash: 'ab'.repeat(32) },
      eventsCovered: '4200',
    },
    compressedBytes: '1536', uncompressedBytes: '1073741824', sha256: 'cd'.repeat(32),
    checksumState: 'failed', checksumCheckedAt: T1,
  },
  minimal: {
    snapshotId: '0c1d2e3f-0000-4000-8000-00000000000b', createdAt: T0, tag: null,
    manifest: { processors: [], tables: [], anchor: null, merkleHead: null, eventsCovered: '0' },
    compressedBytes: '0', uncompressedBytes: '0', sha256: 'ef'.repeat(32),
    checksumState: null, checksumCheckedAt: null,
  },
};
const SNAPSHOT_ID = snapshot.full.snapshotId;

const backup: Record<Variant, Backup> = {
  full: {
    format: 1, backupId: '0c1d2e3f-0000-4000-8000-00000000000d', type: 'postgresql', encoding: 'plain-sql-gzip',
    file: '0c1d2e3f-0000-4000-8000-00000000000d.sql.gz', path: '/var/lib/caracal/backups/0c1d2e3f-0000-4000-8000-00000000000d.sql.gz', tag: 'corruption-evidence', createdAt: T1, sizeBytes: '73400320', sha256: 'cd'.repeat(32),
    serverVersion: 'PostgreSQL 15.20', tool: 'pg_dump (PostgreSQL) 15.20', logHead: { globalPosition: '5200', events: '5150' },
    merkleHead: { batchId: '5', treeSize: 5000, headHash: 'ab'.repeat(32) },
  },
  minimal: {
    format: 1, backupId: '0c1d2e3f-0000-4000-8000-00000000000d', type: 'postgresql', encoding: 'pglite-data-dir-tgz',
    file: '0c1d2e3f-0000-4000-8000-00000000000d.tar.gz', tag: null, createdAt: T0, sizeBytes: '0', sha256: 'ef'.repeat(32),
    serverVersion: 'PostgreSQL 18.0 (PGlite)', tool: 'PGlite dumpDataDir', logHead: { globalPosition: '0', events: '0' }, merkleHead: null,
  },
};
const BACKUP_ID = backup.full.backupId;
const KAFKA_BACKUP_ID = '0c1d2e3f-0000-4000-8000-00000000000e';
const kafkaBackup: Backup = {
  format: 1, backupId: KAFKA_BACKUP_ID, type: 'kafka', encoding: 'kafka-topics-ndjson-gzip',
  file: `${KAFKA_BACKUP_ID}.kafka.ndjson.gz`, path: `/var/lib/caracal/backups/${KAFKA_BACKUP_ID}.kafka.ndjson.gz`, tag: 'corruption-evidence', createdAt: T1, sizeBytes: '48213', sha256: '9a'.repeat(32),
  serverVersion: 'Kafka (kafka-0:9092,kafka-1:9092)', tool: 'kafkajs consumer (throwaway group, no commits)', logHead: { globalPosition: '5200', events: '5150' },
  merkleHead: { batchId: '5', treeSize: 5000, headHash: 'ab'.repeat(32) },
  kafka: {
    brokers: ['kafka-0:9092', 'kafka-1:9092'],
    topics: [
      { topic: 'caracal.events', partitions: [{ partition: 0, lowOffset: '0', highWatermark: '2600', messages: 2600 }, { partition: 1, lowOffset: '0', highWatermark: '2552', messages: 2552 }] },
      { topic: 'caracal.events.dlq', partitions: [{ partition: 0, lowOffset: '0', highWatermark: '1', messages: 1 }] },
    ],
    relayPosition: '5200',
  },
};

const backupVerification: Record<Variant | 'failed' | 'kafka', BackupVerification> = {
  full: {
    backup: backup.full, checksumOk: true, actualSha256: backup.full.sha256, ok: true,
    trialRestore: {
      scratch: 'database caracal_trial_0a1b2c3d4e5f (dropped)', restoredEvents: '5150', restoredHead: '5200', matchesManifest: true,
      verifyRange: { ok: true, batches: 5, batchesOk: 5, events: 5150, sealedEvents: 5000, unsealedEvents: 150, failures: 0 }, durationMs: 4200,
    },
  },
  minimal: { backup: backup.minimal, checksumOk: true, actualSha256: backup.minimal.sha256, ok: true, trialRestore: null },
  kafka: {
    backup: kafkaBackup, checksumOk: true, actualSha256: kafkaBackup.sha256, ok: false, trialRestore: null,
    kafka: { messages: 5152, events: 5149, missingFromTopic: 1, notInLog: 0, examples: { missingFromTopic: ['0c1d2e3f-0000-4000-8000-0000000000aa'], notInLog: [] }, ok: false },
  },
  failed: {
    backup: backup.full, checksumOk: true, actualSha256: backup.full.sha256, ok: false,
    trialRestore: {
      scratch: 'PGlite in memory', restoredEvents: '5149', restoredHead: '5200', matchesManifest: false,
      verifyRange: { ok: false, batches: 5, batchesOk: 4, events: 5149, sealedEvents: 5000, unsealedEvents: 149, failures: 1 }, durationMs: 900,
    },
  },
};

const replayJob: Record<Variant | 'failed' | 'waiting', ReplayJob> = {
  full: {
    jobId: '0c1d2e3f-0000-4000-8000-00000000000c', createdAt: T1, fromSnapshotId: SNAPSHOT_ID,
    processors: [
      { name: 'ledger-writer-group', version: 1, fromTransactionId: '811', fromPosition: '4200', fromEventsProcessed: '4100', eventsTotal: '1000' },
      { name: 'metrics-aggregator-group', version: 2, fromTransactionId: '811', fromPosition: '4198', fromEventsProcessed: '4098', eventsTotal: '1002' },
    ],
    target: { transactionId: '950', globalPosition: '5200' }, eventsTotal: '2002', eventsProcessed: '900', eventsPerSecond: 1234.5, etaSeconds: 1,
    state: 'running', error: null, owner: 'projector-host-1', startedAt: T1, updatedAt: T1, completedAt: null, secondsSinceUpdate: 1,
  },
  minimal: {
    jobId: '0c1d2e3f-0000-4000-8000-00000000000d', createdAt: T0, fromSnapshotId: null, processors: [],
    target: { transactionId: '0', globalPosition: '0' }, eventsTotal: '0', eventsProcessed: '0', eventsPerSecond: null, etaSeconds: null,
    state: 'completed', error: null, owner: null, startedAt: null, updatedAt: T0, completedAt: T0, secondsSinceUpdate: 0,
  },
  failed: {
    jobId: '0c1d2e3f-0000-4000-8000-00000000000e', createdAt: T0, fromSnapshotId: null, processors: [],
    target: { transactionId: '900', globalPosition: '5000' }, eventsTotal: '5000', eventsProcessed: '2500', eventsPerSecond: 0, etaSeconds: null,
    state: 'failed', error: 'ledger-writer-group@v1 failed to apply 1 event(s): unknown currency XYZ', owner: 'projector-host-2',
    startedAt: T0, updatedAt: T0, completedAt: null, secondsSinceUpdate: 75,
  },
  waiting: {
    jobId: '0c1d2e3f-0000-4000-8000-00000000000f', createdAt: T0, fromSnapshotId: SNAPSHOT_ID, processors: [],
    target: { transactionId: '900', globalPosition: '5000' }, eventsTotal: '800', eventsProcessed: '0', eventsPerSecond: null, etaSeconds: null,
    state: 'waiting', error: null, owner: null, startedAt: null, updatedAt: T0, completedAt: null, secondsSinceUpdate: 4000,
  },
};

// Merkle: a real sealed log (signed heads, proofs that verify), built once.

let merkleLogs: Record<Variant, InMemoryLog> | undefined;
export function merkleLog(variant: Variant): InMemoryLog {
  merkleLogs ??= { full: inMemoryLog(5, 2), minimal: inMemoryLog(1, 1) };
  return merkleLogs[variant];
}

function merkleKeys(variant: Variant): { items: MerkleKey[] } {
  const log = merkleLog(variant);
  const current: MerkleKey = { keyId: log.key.keyId, publicKeyPem: log.key.publicKeyPem, createdAt: T0, retiredAt: null };
  return variant === 'minimal' ? { items: [current] } : { items: [{ ...current, keyId: 'old', createdAt: T0, retiredAt: T1 }, current] };
}

function leafHashes(log: InMemoryLog): Buffer[] {
  return log.events.map((event) => Buffer.from(event.leafHash, 'hex'));
}

function inclusion(variant: Variant): MerkleInclusionProof {
  const log = merkleLog(variant);
  const head = log.heads[log.heads.length - 1];
  const index = variant === 'full' ? 2 : 0;
  const { leafHash, dataText, metadataText, ...fields } = log.events[index];
  const leaf = { ...fields, data: JSON.parse(dataText) as Record<string, unknown>, metadata: JSON.parse(metadataText) as Record<string, unknown> };
  return {
    // The minimal answer has no leaf (an event the gateway no longer has): the check reports it.
    leaf: variant === 'full' ? leaf : null,
    leafHash,
    merkleIndex: index,
    eventBatchId: String(log.heads.findIndex((stored) => index <= stored.head.lastIndex) + 1),
    head: { ...head, headHash: head.headHash as string },
    proof: inclusionProof(leafHashes(log).slice(0, head.head.treeSize), index).map(toHex),
  };
}

function consistency(variant: Variant): MerkleConsistencyProof {
  const log = merkleLog(variant);
  const from = log.heads[0];
  const to = log.heads[log.heads.length - 1];
  return {
    from: { ...from, headHash: from.headHash as string },
    to: { ...to, headHash: to.headHash as string },
    proof: consistencyProof(leafHashes(log).slice(0, to.head.treeSize), from.head.treeSize).map(toHex),
  };
}

function batchHeads(variant: Variant): { items: MerkleBatchHead[] } {
  return { items: merkleLog(variant).heads.map((stored) => ({ ...stored.head, signature: stored.signature, headHash: stored.headHash as string })) };
}

const batchVerification: Record<Variant, MerkleBatchVerification> = {
  full: {
    batchId: '2', ok: false, leavesChecked: 2,
    failures: [
      { reason: 'leaf_mismatch', batchId: '2', merkleIndex: 3, eventId: EVENT_ID, globalPosition: '16', expected: 'aa11', actual: 'bb22', detail: 'the event changed after sealing' },
      { reason: 'root_mismatch', batchId: '2', expected: 'cc33', actual: 'dd44' },
    ],
  },
  minimal: { batchId: '1', ok: true, leavesChecked: 1, failures: [] },
};

const rangeVerification: Record<Variant, MerkleRangeVerification> = {
  full: {
    start: '2024-01-01T00:00:00Z', end: 'now', ok: false,
    batches: [batchVerification.minimal, batchVerification.full],
    failures: [{ reason: 'uncovered_event', eventId: EVENT_ID, globalPosition: '99' }, { reason: 'missing_batch', batchId: '3' }],
    unsealed: [{ eventId: EVENT_ID, globalPosition: '101', recordedAt: T1, merkleIndex: null }],
    truncated: false, uncoveredEvents: 3,
    totals: { batches: 3, batchesOk: 1, batchesFailed: 1, missingBatches: 1, events: 9, sealedEvents: 7, unsealedEvents: 2, failures: 5 },
  },
  minimal: {
    start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z', ok: true, batches: [], failures: [], unsealed: [], truncated: false, uncoveredEvents: 0,
    totals: { batches: 0, batchesOk: 0, batchesFailed: 0, missingBatches: 0, events: 0, sealedEvents: 0, unsealedEvents: 0, failures: 0 },
  },
};

async function* recordsOf(records: ExportRecord[]): AsyncGenerator<ExportRecord> {
  yield* records;
}

// One run per command; the paths encode ids as apiPath does.

const one = (argv: string[], routes: Record<string, CannedAnswer>): OutputRun[] => [{ argv, routes }];
const A = AGENT_ID;

export const OUTPUT_CASES: Record<string, OutputCase> = {
  'agent create': {
    runs: (v) => one(
      v === 'full'
        ? ['--name', 'summarizer', '--description', 'Summarizes tickets', '--owner', 'user@example.com', '--parent-id', PARENT_ID, '--metadata', 'team=support']
        : ['--name', 'a', '--description', '', '--owner', 'o'],
      { 'POST /v1/agents': ok({ agent: agent[v], apiKey: { keyId: KEY_ID, key: 'ck_0123456789abcdef_secret' } }, 201) },
    ),
  },
  'agent get': { runs: (v) => one(['--agent-id', A], { [`GET /v1/agents/${A}`]: ok(agent[v]) }) },
  'agent history': { runs: (v) => one(['--agent-id', A], { [`GET /v1/agents/${A}/history`]: ok({ items: history[v] }) }) },
  'agent keys create': { runs: () => one(['--agent-id', A], { [`POST /v1/agents/${A}/keys`]: ok({ keyId: KEY_ID, key: 'ck_0123456789abcdef_secret' }, 201) }) },
  'agent keys list': {
    runs: (v) => one(['--agent-id', A], { [`GET /v1/agents/${A}/keys`]: ok({ items: v === 'full' ? [apiKey.full, apiKey.minimal] : [apiKey.minimal] }) }),
  },
  'agent keys revoke': { runs: (v) => one(['--agent-id', A, '--key-id', KEY_ID], { [`DELETE /v1/agents/${A}/keys/${KEY_ID}`]: ok(apiKey[v]) }) },
  'agent keys rotate': {
    runs: () => one(['--agent-id', A, '--key-id', KEY_ID], {
      [`POST /v1/agents/${A}/keys/${KEY_ID}/rotate`]: ok({ keyId: 'k-new', key: 'ck_fedcba9876543210_secret', revokedKeyId: KEY_ID }, 201),
    }),
  },
  'agent list': {
    runs: (v) => one(v === 'full' ? ['--owner', 'user@example.com', '--limit', '2'] : [], {
      'GET /v1/agents': ok(v === 'full' ? { items: [agent.full, agent.minimal], nextCursor: 'c2' } : { items: [agent.minimal], nextCursor: null }),
    }),
  },
  'agent reactivate': { runs: (v) => one(['--agent-id', A], { [`POST /v1/agents/${A}/reactivate`]: ok(agent[v]) }) },
  'agent suspend': { runs: (v) => one(['--agent-id', A, '--reason', 'runaway loop'], { [`POST /v1/agents/${A}/suspend`]: ok(agent[v]) }) },
  'agent update': { runs: (v) => one(['--agent-id', A, '--name', 'renamed'], { [`PATCH /v1/agents/${A}`]: ok(agent[v]) }) },

  'allowlist create': {
    runs: (v) => one(['--agent-id', A, '--pattern', allowlistEntry[v].pattern, '--pattern-type', allowlistEntry[v].patternType], {
      'POST /v1/allowlists': ok({ ...allowlistEntry[v], removedAt: null }, 201),
    }),
  },
  'allowlist delete': { runs: (v) => one(['--entry-id', ENTRY_ID], { [`DELETE /v1/allowlists/${ENTRY_ID}`]: ok(allowlistEntry[v]) }) },
  'allowlist list': {
    runs: (v) => one(v === 'full' ? ['--agent-id', A] : [], {
      'GET /v1/allowlists': ok(v === 'full' ? { items: [allowlistEntry.full, allowlistEntry.minimal], nextCursor: 'c2' } : { items: [allowlistEntry.minimal], nextCursor: null }),
    }),
  },
  'allowlist test': {
    runs: (v) => one(['--agent-id', A, '--url', allowlistTest[v].normalizedUrl], { 'POST /v1/allowlists/test': ok(allowlistTest[v]) }),
  },

  'db health-check': { runs: (v) => one([], { 'GET /v1/ops/health': ok(health[v], v === 'full' ? 503 : 200) }) },
  'db reset': {
    runs: (v) => one(['--confirm'], {
      'POST /v1/ops/reset': ok(v === 'full' ? { tables: ['ledger_entries', 'spending_buckets'], checkpoints: 2, leases: 1, dlqEntries: 3, kept: ['merkle-sealer-group'] } : { tables: [], checkpoints: 0, leases: 0, dlqEntries: 0 }),
    }),
  },

  'dlq discard': { runs: (v) => one(['--event-id', EVENT_ID], { [`POST /v1/dlq/${EVENT_ID}/discard`]: ok({ discarded: v === 'full' ? 2 : 1 }) }) },
  'dlq get': {
    runs: (v) => one(['--event-id', EVENT_ID], { [`GET /v1/dlq/${EVENT_ID}`]: ok({ items: v === 'full' ? [dlqEntry.full, dlqEntry.minimal] : [dlqEntry.minimal] }) }),
  },
  'dlq list': {
    runs: (v) => one(v === 'full' ? ['--processor', 'ledger-writer-group', '--since', '2024-01-01T00:00:00Z', '--all', '--limit', '5'] : [], {
      'GET /v1/dlq': ok({ items: v === 'full' ? [dlqEntry.full, dlqEntry.minimal] : [dlqEntry.minimal], size: v === 'full' ? 2 : 1 }),
    }),
  },
  'dlq retry': {
    runs: (v) => v === 'full'
      ? [{
          argv: ['--all', '--processor', 'ledger-writer-group'],
          routes: { 'POST /v1/dlq/retry': ok({ items: [
            { processor: 'ledger-writer-group', version: 2, outcome: 'failed', error: 'unknown currency XYZ' },
            { processor: 'ledger-writer-group', version: 2, outcome: 'projected', error: null },
          ] }) },
        }]
      : one(['--event-id', EVENT_ID], { [`POST /v1/dlq/${EVENT_ID}/retry`]: ok({ items: [{ processor: 'p', version: 1, outcome: 'projected', error: null }] }) }),
  },

  'kafka consumer-lag': {
    runs: (v) => one(v === 'full' ? [] : ['--consumer-group', 'metrics-aggregator-group'], {
      'GET /v1/consumer-lag': ok({ items: v === 'full' ? [consumerLag.full, consumerLag.minimal, kafkaConsumerLag] : [consumerLag.minimal] }),
    }),
  },

  'ledger query': {
    runs: (v): OutputRun[] => [
      {
        argv: ['--agent-id', A, '--start-time', '2024-01-01T00:00:00Z', '--end-time', v === 'full' ? '2024-01-31T23:59:59Z' : 'now'],
        routes: {
          'GET /v1/ledger/entries': ok(v === 'full'
            ? { items: [ledgerEntry.full, ledgerEntry.minimal], nextCursor: 'c2', totals: [{ currency: 'USD', amount: '0.004500', entries: 2 }, { currency: 'EUR', amount: '1.00', entries: 1 }] }
            : { items: [ledgerEntry.minimal], nextCursor: null, totals: [] }),
        },
      },
      {
        argv: ['--agent-id', A, '--time-window', v === 'full' ? 'daily' : 'total'],
        routes: { 'GET /v1/ledger/usage': ok({ agentId: A, at: T0, items: v === 'full' ? [policyUsage.full, policyUsage.minimal] : [policyUsage.minimal] }) },
      },
    ],
  },

  'merkle consistency': {
    runs: (v) => one(['--from', '1', '--to', String(merkleLog(v).heads.length)], {
      'GET /v1/merkle/keys': ok(merkleKeys(v)),
      'GET /v1/merkle/proofs/consistency': ok(consistency(v)),
    }),
  },
  'merkle event-key rotate': {
    local: true,
    runs: async (_v, dir) => {
      const keyFile = join(dir, 'event-auth-key');
      await writeNewEventKeyFile(keyFile);
      return one(['--key-file', keyFile], {});
    },
  },
  'merkle export': {
    runs: (v, dir) => one(['--start-time', '2024-01-01T00:00:00Z', '--end-time', 'now', '--out', join(dir, 'bundle')], {
      'GET /v1/merkle/export': { body: merkleLog(v).records(), ndjson: true },
    }),
  },
  'merkle key export-public': {
    runs: (v) => one([], { 'GET /v1/merkle/keys': ok(v === 'full' ? merkleKeys('full') : { items: [] }) }),
  },
  'merkle key generate': { local: true, runs: (_v, dir) => one(['--out', join(dir, 'merkle-signing-key.pem')], {}) },
  'merkle key rotate': {
    local: true,
    runs: async (_v, dir) => {
      const keyFile = join(dir, 'merkle-signing-key.pem');
      await writeSigningKeyFile(keyFile, generateSigningKeyPair().privateKeyPem);
      return one(['--key-file', keyFile], {});
    },
  },
  'merkle list-batches': {
    runs: (v) => one(v === 'full' ? ['--from-batch-id', '1', '--limit', '10'] : [], { 'GET /v1/merkle/batches': ok(batchHeads(v)) }),
  },
  'merkle prove': {
    runs: (v) => {
      const document = inclusion(v);
      const eventId = merkleLog(v).events[document.merkleIndex].eventId;
      return one(['--event-id', eventId], { 'GET /v1/merkle/keys': ok(merkleKeys(v)), 'GET /v1/merkle/proofs/inclusion': ok(document) });
    },
  },
  'merkle verify-batch': {
    runs: (v) => one(['--batch-id', batchVerification[v].batchId], {
      [`GET /v1/merkle/batches/${batchVerification[v].batchId}/verify`]: ok(batchVerification[v]),
    }),
  },
  'merkle verify-export': {
    runs: async (v, dir) => {
      const bundle = join(dir, 'bundle');
      await writeExportBundle(recordsOf(merkleLog(v).records()), bundle);
      if (v === 'minimal') return one([bundle], {});
      // A changed event, so the output shows a failed batch with its findings.
      const events = join(bundle, 'events.jsonl');
      writeFileSync(events, readFileSync(events, 'utf8').replace('\\"i\\":3', '\\"i\\":4'));
      return one([bundle], {});
    },
  },
  'merkle verify-range': {
    runs: (v) => one(['--start-time', '2024-01-01T00:00:00Z', '--end-time', rangeVerification[v].end], {
      'GET /v1/merkle/verify-range': { ndjson: true, body: [{ type: 'progress', done: 1, total: 2 }, { type: 'report', report: rangeVerification[v] }] },
    }),
  },

  'policy create': {
    runs: (v) => one(
      ['--agent-id', A, '--limit', policy[v].limit, '--currency', policy[v].currency, '--time-window', policy[v].timeWindow, '--window-type', policy[v].windowType, '--change-reason', policy[v].changeReason],
      { 'POST /v1/policies': ok(policy[v], 201) },
    ),
  },
  'policy deactivate': {
    runs: (v) => one(['--policy-id', POLICY_ID, '--change-reason', 'Replaced'], { [`POST /v1/policies/${POLICY_ID}/deactivate`]: ok({ ...policy[v], active: false }) }),
  },
  'policy get': { runs: (v) => one(['--policy-id', POLICY_ID], { [`GET /v1/policies/${POLICY_ID}`]: ok(policy[v]) }) },
  'policy history': { runs: (v) => one(['--policy-id', POLICY_ID], { [`GET /v1/policies/${POLICY_ID}/history`]: ok({ items: policyVersions[v] }) }) },
  'policy list': {
    runs: (v) => one(v === 'full' ? ['--all', '--agent-id', A] : [], {
      'GET /v1/policies': ok(v === 'full' ? { items: [policy.full, policy.minimal], nextCursor: 'c2' } : { items: [policy.minimal], nextCursor: null }),
    }),
  },
  'policy update': {
    runs: (v) => one(['--policy-id', POLICY_ID, '--limit', '250.00', '--change-reason', 'Launch week'], { [`PATCH /v1/policies/${POLICY_ID}`]: ok(policy[v]) }),
  },

  'backup create': {
    runs: (v) => v === 'full'
      ? [
          one(['--type', 'postgresql', '--tag', 'corruption-evidence'], { 'POST /v1/backups': ok(backup.full, 201) })[0],
          one(['--type', 'kafka'], {
            'POST /v1/backups': {
              status: 422,
              body: {
                error: 'backup_type_not_available', request_id: 'r',
                message: 'backup type kafka is not available: this gateway does not run the Kafka event bus (CARACAL_BUS=kafka, KAFKA_BROKERS); the events are in the event store, so caracal backup create --type postgresql preserves them',
              },
            },
          })[0],
          one(['--type', 'kafka', '--tag', 'corruption-evidence'], { 'POST /v1/backups': ok(kafkaBackup, 201) })[0],
        ]
      : one(['--type', 'postgresql'], { 'POST /v1/backups': ok(backup.minimal, 201) }),
  },
  'backup list': {
    runs: (v) => one([], { 'GET /v1/backups': ok(v === 'full' ? { items: [backup.full, backup.minimal], directory: '/var/lib/caracal/backups' } : { items: [], directory: '.caracal/backups' }) }),
  },
  'backup verify': {
    runs: (v) => v === 'full'
      ? [
          one(['--backup-id', BACKUP_ID, '--trial-restore'], { [`POST /v1/backups/${BACKUP_ID}/verify`]: ok(backupVerification.full) })[0],
          one(['--backup-id', BACKUP_ID, '--trial-restore'], { [`POST /v1/backups/${BACKUP_ID}/verify`]: ok(backupVerification.failed) })[0],
          one(['--backup-id', KAFKA_BACKUP_ID], { [`POST /v1/backups/${KAFKA_BACKUP_ID}/verify`]: ok(backupVerification.kafka) })[0],
        ]
      : one(['--backup-id', BACKUP_ID], { [`POST /v1/backups/${BACKUP_ID}/verify`]: ok(backupVerification.minimal) }),
  },
  'backup restore': {
    local: true,
    // A PostgreSQL dump is refused with the runbook's psql line; a PGlite restore is in the e2e test.
    runs: (_v, dir) => {
      const backups = join(dir, '.caracal', 'backups');
      mkdirSync(backups, { recursive: true });
      writeFileSync(join(backups, `${BACKUP_ID}.json`), JSON.stringify(backup.full));
      return [...one(['--backup-id', BACKUP_ID], {}), ...one(['--backup-id', '0c1d2e3f-0000-4000-8000-0000000000ff'], {})];
    },
  },

  'snapshot create': {
    runs: (v) => one(v === 'full' ? ['--tag', 'before-upgrade'] : [], { 'POST /v1/snapshots': ok(snapshot[v], 201) }),
  },
  'snapshot delete': { runs: (v) => one(['--snapshot-id', SNAPSHOT_ID], { [`DELETE /v1/snapshots/${SNAPSHOT_ID}`]: ok(snapshot[v]) }) },
  'snapshot list': {
    runs: (v) => one([], { 'GET /v1/snapshots': ok(v === 'full' ? { items: [snapshot.full, snapshot.minimal], keep: 5 } : { items: [snapshot.minimal], keep: 0 }) }),
  },
  'snapshot verify': {
    runs: (v) => one(['--snapshot-id', SNAPSHOT_ID], {
      [`POST /v1/snapshots/${SNAPSHOT_ID}/verify`]: ok(v === 'full'
        ? { snapshot: snapshot.full, ok: false, actual: '01'.repeat(32) }
        : { snapshot: { ...snapshot.minimal, checksumState: 'verified', checksumCheckedAt: T1 }, ok: true, actual: snapshot.minimal.sha256 }),
    }),
  },
  'snapshot restore': {
    runs: (v) => one(['--snapshot-id', SNAPSHOT_ID], {
      [`POST /v1/snapshots/${SNAPSHOT_ID}/restore`]: ok(v === 'full'
        ? { snapshot: snapshot.full, tables: snapshot.full.manifest.tables, checkpoints: snapshot.full.manifest.processors }
        : { snapshot: snapshot.minimal, tables: [], checkpoints: [] }),
    }),
  },

  'replay start': {
    runs: (v) => one(v === 'full' ? ['--from-snapshot', SNAPSHOT_ID, '--processor', 'ledger-writer-group'] : ['--from-start'], {
      'POST /v1/replays': ok(v === 'full' ? replayJob.waiting : replayJob.minimal, 201),
    }),
  },
  'replay status': {
    runs: (v) => v === 'full'
      ? [
          one([], { 'GET /v1/replays': ok({ items: [replayJob.full, replayJob.failed, replayJob.waiting, replayJob.minimal] }) })[0],
          one(['--job-id', replayJob.failed.jobId], { [`GET /v1/replays/${replayJob.failed.jobId}`]: ok(replayJob.failed) })[0],
          one(['--watch'], { 'GET /v1/replays': ok({ items: [replayJob.minimal] }), [`GET /v1/replays/${replayJob.minimal.jobId}`]: ok(replayJob.minimal) })[0],
        ]
      : one([], { 'GET /v1/replays': ok({ items: [] }) }),
  },

  'pricebook get': {
    runs: (v) => one(['--model', pricebookModel[v].matchedFrom, '--provider', 'openai'], {
      [`GET /v1/pricebook/models/${pricebookModel[v].matchedFrom}`]: ok(pricebookModel[v]),
    }),
  },
  'pricebook list': { runs: (v) => one([], { 'GET /v1/pricebook': ok(pricebook(v)) }) },
  'pricebook set': {
    runs: (v, dir) => {
      const { publishedAt: _publishedAt, ...document } = pricebook(v);
      const file = join(dir, 'pricebook.json');
      writeFileSync(file, JSON.stringify(document));
      return one(['--file', file], { 'PUT /v1/pricebook': ok({ ...document, publishedAt: T1 }) });
    },
  },
};
