export { openStorage, type Storage, type StorageOptions } from './open-storage.js';
export { projectionRuntime, type MerkleRuntimeOptions, type ProjectionRuntime } from './projection-registry.js';
export { resolveMerkleSigner, startSealTimer } from './merkle-signer.js';
export { startMetricsServer } from './metrics-server.js';
