export {
  createMerkleSealer, DEFAULT_BATCH_LEAVES, DEFAULT_MAX_BATCH_AGE_MS, MERKLE_SEALER, MERKLE_SEALER_TABLES, MerkleSealerStateError,
  EVENT_NOT_AUTHENTICATED, type MerkleSealer, type MerkleSealerOptions, type RefusedEvent,
} from './merkle-sealer.processor.js';
export {
  EventKeyLoadError, eventKeysFromFile, eventKeysFromHex, loadEventKeyFile, loadEventKeyring, parseEventKey, rotateEventKeyFile,
  writeNewEventKeyFile, type EventKeys,
} from './event-key-file.js';
export {
  HEAD_COLUMNS, RECORDED_AT_TEXT_SQL, recordedAtTextSql, headFromRow, loadHead, loadHeads, loadLatestHead, loadPublicKeys, type StoredHead,
} from './merkle-heads.read.js';
export {
  loadSigningKey, loadSigningKeyEnv, loadSigningKeyFile, SIGNING_KEY_ENV, signerFromPrivateKey, SigningKeyLoadError, writeSigningKeyFile,
  type MerkleSigner, type SigningKeyLoadReason,
} from './signing-key.js';
export { loadRefreshingSigningKeyFile, rotateSigningKeyFile, type SigningKeyRotation } from './signing-key.js';
export { loadInclusionProof, type InclusionProofDocument } from './inclusion-proof.read.js';
export { loadConsistencyProof, type ConsistencyProofDocument } from './consistency-proof.read.js';
export { MerkleProofError, type MerkleProofFailure } from './merkle-proof.errors.js';
export { loadKeyRecords, type MerkleKeyRecord } from './merkle-keys.read.js';
export { verifyBatch, type PublicKeys } from './verify-batch.js';
export { checkBatch, checkSignature, type BatchCheckInput, type BatchLeaf, type CheckedHead } from './batch.check.js';
export {
  BUNDLE_FILES, EXPORT_FORMAT_VERSION, type BundleManifest, type EventLeafFields, type ExportedEvent, type ExportedHead, type ExportedProofs, type ExportRecord,
} from './export-bundle.js';
export { ExportBundleError, type ExportBundleFailure } from './export-bundle.errors.js';
export { readExportBundle, type ExportReadOptions } from './export-bundle.read.js';
export { writeExportBundle } from './export-bundle.write.js';
export { verifyExportBundle, type ExportFailureReason, type ExportVerification, type ExportVerifyOptions } from './export-bundle.verify.js';
export { verifyRange, type VerificationTimeRange, type VerifyRangeOptions } from './verify-range.js';
export type {
  BatchFailureReason, BatchVerification, RangeFailureReason, RangeVerification, UnsealedEvent, VerificationFailure,
} from './verification-report.js';
