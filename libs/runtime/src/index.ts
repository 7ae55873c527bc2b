export { openStorage, type Storage } from './open-storage.js';
export { projectionRuntime, type ProjectionRuntime } from './projection-registry.js';
export { startMetricsServer } from './metrics-server.js';
