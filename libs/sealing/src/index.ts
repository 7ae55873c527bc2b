export {
  createMerkleSealer, DEFAULT_BATCH_LEAVES, DEFAULT_MAX_BATCH_AGE_MS, MERKLE_SEALER, MERKLE_SEALER_TABLES, MerkleSealerStateError,
  type MerkleSealer, type MerkleSealerOptions,
} from './merkle-sealer.processor.js';
export {
  HEAD_COLUMNS, RECORDED_AT_TEXT_SQL, recordedAtTextSql, headFromRow, loadHead, loadHeads, loadLatestHead, loadPublicKeys, type StoredHead,
} from './merkle-heads.read.js';
export {
  loadSigningKey, loadSigningKeyEnv, loadSigningKeyFile, SIGNING_KEY_ENV, signerFromPrivateKey, SigningKeyLoadError, writeSigningKeyFile,
  type MerkleSigner, type SigningKeyLoadReason,
} from './signing-key.js';
export { verifyBatch, type PublicKeys } from './verify-batch.js';
export { verifyRange, type VerificationTimeRange, type VerifyRangeOptions } from './verify-range.js';
export type {
  BatchFailureReason, BatchVerification, RangeFailureReason, RangeVerification, UnsealedEvent, VerificationFailure,
} from './verification-report.js';
