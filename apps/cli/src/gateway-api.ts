// The admin API's response shapes, as docs/api.md defines them. The CLI only reads these to
// print them; it does not validate them (the gateway owns the contract, --json shows it raw).

import type { EventLeafFields, StoredHead } from '../../../libs/sealing/src/index.js';

export interface Agent {
  agentId: string;
  name: string;
  description: string | null;
  owner: string;
  parentAgentId: string | null;
  rootAgentId: string;
  status: 'active' | 'suspended';
  suspendedReason: string | null;
  metadata: Record<string, string>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface IssuedApiKey {
  keyId: string;
  key: string;
}

export interface CreatedAgent {
  agent: Agent;
  apiKey: IssuedApiKey;
}

export interface RotatedApiKey extends IssuedApiKey {
  revokedKeyId: string;
}

export interface ApiKeyInfo {
  keyId: string;
  agentId: string;
  status: 'active' | 'revoked';
  createdAt: string;
  revokedAt: string | null;
}

export interface HistoryEntry {
  version: number;
  type: string;
  data: unknown;
  /** Null for events recorded without an actor. */
  actor: string | null;
  recordedAt: string;
}

export const TIME_WINDOWS = ['hourly', 'daily', 'weekly', 'monthly', 'total'] as const;
export const WINDOW_TYPES = ['calendar', 'rolling'] as const;
export const PATTERN_TYPES = ['regex', 'glob'] as const;
export const AGENT_STATUSES = ['active', 'suspended'] as const;

export interface Policy {
  policyId: string;
  agentId: string;
  /** Decimal string, e.g. "100.00": money is never a JSON number. */
  limit: string;
  currency: string;
  timeWindow: string;
  windowType: string;
  timezone: string;
  active: boolean;
  version: number;
  changeReason: string;
  changedBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface PolicyVersion {
  policyId: string;
  version: number;
  limit: string;
  currency: string;
  timeWindow: string;
  windowType: string;
  timezone: string;
  active: boolean;
  changeReason: string;
  actor: string;
  recordedAt: string;
}

export interface AllowlistEntry {
  entryId: string;
  agentId: string;
  pattern: string;
  patternType: string;
  createdAt: string;
  removedAt: string | null;
}

export interface AddressVerdict {
  address: string;
  allowed: boolean;
  block: string | null;
  blockName: string | null;
  embedded: AddressVerdict[];
}

export interface AllowlistTestResult {
  allowed: boolean;
  normalizedUrl: string;
  matchedEntry: AllowlistEntry | null;
  /** Absent from gateways older than these fields. */
  refusedBy?: string | null;
  error?: string | null;
  addressCheck?: { method: string; addresses: AddressVerdict[] } | null;
  message: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ItemList<T> {
  items: T[];
}

// Pricebook (docs/api.md "Pricebook"). The gateway answers with the document as it was published
// (pricebook/pricebook.json's format, docs/pricing.md): fields the format leaves optional are absent
// when the publisher left them out.

export interface PricebookModel {
  provider: string;
  model: string;
  /** Absent means `chat`. */
  kind?: string;
  aliases?: string[];
  inputPerMillion: string;
  /** Absent for embedding models: they produce no output tokens. */
  outputPerMillion?: string;
  /** Absent means the input price. */
  cachedInputPerMillion?: string;
  cacheWritePerMillion?: string;
  cacheWrite1hPerMillion?: string;
  maxOutputTokens: number;
  contextWindow: number;
  maxTokensPerImage?: number;
}

export interface PricebookResource {
  pattern: string;
  perRequest: string;
  description?: string;
}

export interface PricebookDocument {
  version: string;
  effectiveFrom: string;
  currency: string;
  source: string;
  /** Null for the pricebook shipped with the gateway. */
  publishedAt: string | null;
  models: PricebookModel[];
  resources?: PricebookResource[];
}

/** GET /v1/pricebook/models/{model}: the model's entry, the name it was asked by and the version. */
export interface PricedModel extends PricebookModel {
  matchedFrom: string;
  pricebookVersion: string;
}

// Ledger (docs/api.md "Ledger").

export interface LedgerEntry {
  entryId: string;
  eventId: string;
  /** A 64-bit position: a JSON string or number, printed as sent. */
  globalPosition: string | number;
  agentId: string;
  agentPath: string[];
  reservationId: string | null;
  resource: string | null;
  model: string | null;
  usage: Record<string, number | null> | null;
  amount: string;
  /** The hold taken before forwarding. Absent from older gateways. */
  held?: string;
  /** What the charge went past the hold ("0.00" when it did not). Absent from older gateways. */
  overage?: string;
  currency: string;
  pricebookVersion: string | null;
  kind: 'settled' | 'expired';
  occurredAt: string;
  recordedAt: string;
}

export interface CurrencyTotal {
  currency: string;
  amount: string;
  entries: number;
}

/** One page of entries; `totals` cover the whole time range, not only the page. */
export interface LedgerPage extends Page<LedgerEntry> {
  totals: CurrencyTotal[];
}

export interface PolicyUsage {
  policyId: string;
  agentId: string;
  timeWindow: string;
  windowType: string;
  timezone: string;
  currency: string;
  limit: string;
  spent: string;
  held: string;
  remaining: string;
  /** Null for `total` windows. */
  windowStart: string | null;
  windowEnd: string | null;
}

export interface LedgerUsage {
  agentId: string;
  at: string;
  items: PolicyUsage[];
}

// Operations (docs/api.md "Operations").

export interface DlqEntry {
  id: string | number;
  processor: string;
  version: number;
  eventId: string;
  globalPosition: string | number;
  streamId: string;
  eventType: string;
  error: string;
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
  status: string;
}

export interface DlqList {
  items: DlqEntry[];
  size: number;
}

export interface DlqRetryOutcome {
  processor: string;
  version: number;
  outcome: string;
  error: string | null;
}

export interface DlqDiscarded {
  discarded: number;
}

export interface ConsumerLag {
  consumerGroup: string;
  version: number;
  eventsBehind: string | number;
  oldestUnprocessedAt: string | null;
  oldestUnprocessedAgeSeconds: number | null;
  lastCheckpointAt: string | null;
  eventsProcessed: string | number;
  owner: string | null;
  leaseExpiresAt: string | null;
  leaseActive: boolean;
  bus: string;
  /** Kafka consumer groups: committed offsets vs high watermarks per partition, and the members. */
  kafka?: {
    topic: string;
    partitions: { partition: number; committedOffset: string | null; highWatermark: string; lag: string }[];
    groupState: string | null;
    members: { memberId: string; clientId: string; host: string | null; partitions: number[] }[];
    membersSource: string;
    membersNote: string | null;
  };
}

/** A check's `status` is `ok`, `degraded` or `unavailable`; the other fields vary per check. */
export interface HealthCheck {
  status: string;
  [detail: string]: unknown;
}

export interface HealthReport {
  status: string;
  checks: {
    processors?: Record<string, HealthCheck>;
    [check: string]: HealthCheck | Record<string, HealthCheck> | undefined;
  };
}

export interface ResetResult {
  tables: string[];
  checkpoints: number;
  leases: number;
  dlqEntries: number;
  /** Processors the reset leaves alone (the merkle sealer: batches, signed heads, keys). Absent from older gateways. */
  kept?: string[];
}

/** The body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  request_id: string;
  details?: { field: string; message: string }[];
}

/** A Merkle verification finding (docs/sealing.md "Verification"). */
export interface MerkleFailure {
  reason: string;
  batchId?: string;
  merkleIndex?: number;
  eventId?: string;
  globalPosition?: string;
  expected?: string;
  actual?: string;
  detail?: string;
}

export interface MerkleBatchVerification {
  batchId: string;
  ok: boolean;
  leavesChecked: number;
  failures: MerkleFailure[];
}

export interface MerkleRangeVerification {
  start: string;
  end: string;
  ok: boolean;
  batches: MerkleBatchVerification[];
  failures: MerkleFailure[];
  /** The first events not sealed yet (at most 100); totals.unsealedEvents counts them all. */
  unsealed: { eventId: string; globalPosition: string; recordedAt: string; merkleIndex: number | null }[];
  /** `unsealed` or the uncovered_event failures were cut at the list limit. */
  truncated: boolean;
  uncoveredEvents: number;
  totals: {
    batches: number;
    batchesOk: number;
    batchesFailed: number;
    missingBatches: number;
    events: number;
    sealedEvents: number;
    unsealedEvents: number;
    failures: number;
  };
}

/** One line of GET /v1/merkle/verify-range's NDJSON answer (docs/api.md); the report is the last. */
export type MerkleRangeRecord =
  | { type: 'progress'; done: number; total: number }
  | { type: 'report'; report: MerkleRangeVerification }
  | { type: 'error'; error: string; message: string; request_id?: string };

/** An item of GET /v1/merkle/batches: the head's fields flattened with signature and headHash. */
export type MerkleBatchHead = StoredHead['head'] & { signature: string; headHash: string };

export interface MerkleInclusionProof {
  leaf: EventLeafFields | null;
  leafHash: string;
  merkleIndex: number;
  eventBatchId: string;
  head: StoredHead;
  proof: string[];
}

export interface MerkleConsistencyProof {
  from: StoredHead;
  to: StoredHead;
  proof: string[];
}

export interface MerkleKey {
  keyId: string;
  publicKeyPem: string;
  createdAt: string;
  retiredAt: string | null;
}

/** A read-model snapshot (`/v1/snapshots`); bigints are decimal strings. */
export interface Snapshot {
  snapshotId: string;
  createdAt: string;
  tag: string | null;
  manifest: {
    processors: { name: string; version: number; transactionId: string; globalPosition: string; eventsProcessed: string }[];
    tables: { table: string; rows: number }[];
    anchor: { globalPosition: string; eventId: string } | null;
    merkleHead: { batchId: string; treeSize: number; headHash: string } | null;
    eventsCovered: string;
  };
  compressedBytes: string;
  uncompressedBytes: string;
  sha256: string;
}

export interface SnapshotList {
  items: Snapshot[];
  /** How many the gateway keeps (CARACAL_SNAPSHOT_KEEP; 0: all). */
  keep: number;
}

export interface SnapshotRestore {
  snapshot: Snapshot;
  tables: { table: string; rows: number }[];
  checkpoints: Snapshot['manifest']['processors'];
}

/** A backup's manifest (`/v1/backups`); bigints are decimal strings. */
export interface Backup {
  format: number;
  backupId: string;
  type: 'postgresql' | 'kafka';
  encoding: 'plain-sql-gzip' | 'pglite-data-dir-tgz' | 'kafka-topics-ndjson-gzip';
  file: string;
  /** The file on the gateway's host (create and get answer it; list gives the directory). */
  path?: string;
  tag: string | null;
  createdAt: string;
  sizeBytes: string;
  sha256: string;
  serverVersion: string;
  tool: string;
  logHead: { globalPosition: string; events: string };
  merkleHead: { batchId: string; treeSize: number; headHash: string } | null;
  /** A Kafka backup: the topics' partitions and offsets backed up, the relay's position then. */
  kafka?: {
    brokers: string[];
    topics: { topic: string; partitions: { partition: number; lowOffset: string; highWatermark: string; messages: number }[] }[];
    relayPosition: string;
  };
}

export interface BackupList {
  items: Backup[];
  /** The gateway's backup directory (CARACAL_BACKUP_DIR). */
  directory: string;
}

export interface BackupVerification {
  backup: Backup;
  checksumOk: boolean;
  actualSha256: string;
  trialRestore: {
    scratch: string;
    restoredEvents: string;
    restoredHead: string;
    matchesManifest: boolean;
    verifyRange: { ok: boolean; batches: number; batchesOk: number; events: number; sealedEvents: number; unsealedEvents: number; failures: number };
    durationMs: number;
  } | null;
  /** A Kafka backup compared with the event log. */
  kafka?: {
    messages: number;
    events: number;
    missingFromTopic: number;
    notInLog: number;
    examples: { missingFromTopic: string[]; notInLog: string[] };
    ok: boolean;
  } | null;
  ok: boolean;
}

/** A replay job (`/v1/replays`); bigints are decimal strings. */
export interface ReplayJob {
  jobId: string;
  createdAt: string;
  fromSnapshotId: string | null;
  processors: { name: string; version: number; fromTransactionId: string; fromPosition: string; fromEventsProcessed: string; eventsTotal: string }[];
  target: { transactionId: string; globalPosition: string };
  eventsTotal: string;
  eventsProcessed: string;
  eventsPerSecond: number | null;
  etaSeconds: number | null;
  state: 'waiting' | 'running' | 'completed' | 'failed';
  error: string | null;
  owner: string | null;
  startedAt: string | null;
  updatedAt: string;
  completedAt: string | null;
  secondsSinceUpdate: number;
}

export interface ReplayJobList {
  items: ReplayJob[];
}
