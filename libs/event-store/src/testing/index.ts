// The testing entry of @caracal/event-store: suites and fixtures for tests only (they import Jest).
export * from './event-store-conformance.js';
