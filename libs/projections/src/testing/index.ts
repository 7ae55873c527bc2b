// The testing entry of @caracal/projections: suites and fixtures for tests only (they import Jest).
export * from './budget-scenario.js';
export * from './projection-suite.js';
