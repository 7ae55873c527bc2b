export { openStorage, type Storage, type StorageOptions } from './open-storage.js';
export { projectionRuntime, type MerkleRuntimeOptions, type ProjectionRuntime } from './projection-registry.js';
export { resolveMerkleSigner, startSealTimer } from './merkle-signer.js';
export { startMetricsServer } from './metrics-server.js';
export { KAFKA_CONSUMER_GROUPS, kafkaBusRuntime, kafkaConsumers, splitByBus, type KafkaBusRuntime } from './event-bus.js';
export { resolveEventKeys } from './event-keys.js';
