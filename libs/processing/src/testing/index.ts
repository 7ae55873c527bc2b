// The testing entry of @caracal/processing: suites and fixtures for tests only (they import Jest).
export * from './processing-suite.js';
export * from './test-projection.js';
