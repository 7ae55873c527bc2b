export { openStorage, type Storage } from './open-storage.js';
export { projectionRuntime, type MerkleRuntimeOptions, type ProjectionRuntime } from './projection-registry.js';
export { EMBEDDED_SIGNING_KEY_FILE, resolveMerkleSigner, startSealTimer } from './merkle-signer.js';
export { startMetricsServer } from './metrics-server.js';
export { EMBEDDED_EVENT_KEY_FILE, resolveEventKeys } from './event-keys.js';
