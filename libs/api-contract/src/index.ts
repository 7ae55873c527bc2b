// The admin API as the gateway answers it and its clients (the CLI, SDKs) read it: types and
// dependency-free constants only, so any client can depend on this package alone. The gateway's
// controllers declare these as their return types, so tsc checks what it answers against them.

export { ADMIN_TOKEN_FILE, DEFAULT_DATA_DIR, EMBEDDED_EVENT_KEY_FILE, EMBEDDED_SIGNING_KEY_FILE, GATEWAY_INFO_FILE } from './embedded-data-dir.js';
export type { ItemList, Page } from './page.js';
export type { ErrorBody } from './errors.js';
export { AGENT_STATUSES, type Agent, type AgentStatus, type ApiKeyInfo, type CreatedAgent, type HistoryEntry, type IssuedApiKey, type RotatedApiKey } from './agents.js';
export { TIME_WINDOWS, WINDOW_TYPES, type Policy, type PolicyTermsView, type PolicyVersion, type TimeWindow, type WindowType } from './policies.js';
export { PATTERN_TYPES, type AddressCheck, type AddressVerdict, type AllowlistEntry, type AllowlistTestResult, type PatternType } from './allowlists.js';
export type { PricebookDocument, PricebookModel, PricebookResource, PricedModel } from './pricebook.js';
export type { CurrencyTotal, LedgerEntry, LedgerPage, LedgerUsage, PolicyUsage } from './ledger.js';
export type { DlqDiscarded, DlqEntry, DlqList, DlqRetryOutcome } from './dlq.js';
export type { CheckStatus, ConsumerLag, HealthCheck, HealthReport, ResetResult } from './operations.js';
export type {
  MerkleBatchHead, MerkleBatchVerification, MerkleConsistencyProof, MerkleFailure, MerkleInclusionProof, MerkleKey, MerkleLeaf,
  MerkleRangeRecord, MerkleRangeVerification, MerkleSignedHead, MerkleTreeHead,
} from './merkle.js';
export type { Snapshot, SnapshotList, SnapshotProcessor, SnapshotRestore, SnapshotVerification } from './snapshots.js';
export type { Backup, BackupList, BackupVerification } from './backups.js';
export type { ReplayJob } from './replays.js';
