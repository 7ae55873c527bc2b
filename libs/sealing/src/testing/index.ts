// The testing entry of @caracal/sealing: suites and fixtures for tests only (they import Jest).
export * from './export-suite.js';
export * from './in-memory-log.js';
export * from './proofs-suite.js';
export * from './sealing-suite.js';
export * from './test-log.js';
export * from './verification-suite.js';
