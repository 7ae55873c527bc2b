export * from './processor.js';
export * from './processing.errors.js';
export * from './processor-logger.js';
export * from './retry-policy.js';
export { loadCheckpoint, type StoredCheckpoint } from './checkpoint-store.js';
export { ProcessorLease } from './processor-lease.js';
export {
  ProcessorRunner,
  type ProcessorRunnerOptions,
  type ProcessorRunnerState,
  type ProcessorRunnerStatus,
  type StopOptions,
} from './processor-runner.js';
export * from './processor-registry.js';
export * from './dlq-store.js';
export { parkEvent, type ParkedFailure } from './dlq-park.js';
export * from './consumer-lag.js';
export * from './reset.js';
export { ProcessorHost, type ProcessorHostOptions } from './processor-host.js';
export { rebuildTogether, type RebuildTogetherOptions, type RebuildTogetherResult } from './rebuild-together.js';
