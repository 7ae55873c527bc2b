// The testing entry of @caracal/recovery: suites and fixtures for tests only (they import Jest).
export * from './snapshot-suite.js';
