// The testing entry of @caracal/merkle: suites and fixtures for tests only (they import Jest).
export * from './heads.js';
export * from './leaves.js';
export * from './reference.js';
