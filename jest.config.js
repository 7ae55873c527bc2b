// Jest runs in native ESM mode (NODE_OPTIONS=--experimental-vm-modules, set by the npm scripts);
// @swc/jest compiles TypeScript with decorator metadata, which Nest's dependency injection needs.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'es6' },
  },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  // Sources import './x.js' (nodenext); map back to the .ts file for Jest. The workspace
  // packages (@caracal/*) resolve to their TypeScript entries, as tsc resolves their "types".
  moduleNameMapper: {
    '^@caracal/test-support/(.*)\\.js$': '<rootDir>/test/support/$1',
    '^@caracal/([a-z-]+)/testing$': '<rootDir>/libs/$1/src/testing/index.ts',
    '^@caracal/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

export default {
  // PGlite takes seconds to start and the e2e tests start real processes; tests that wait for
  // something poll with their own, shorter deadlines.
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$'],
      setupFilesAfterEnv: ['<rootDir>/test/support/reset-exit-code.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      // test/integration: tests that span apps (the gateway and the CLI's output of its answers)
      testMatch: ['<rootDir>/libs/**/*.int.spec.ts', '<rootDir>/apps/**/*.int.spec.ts', '<rootDir>/test/integration/**/*.int.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e.spec.ts'],
    },
  ],
};
