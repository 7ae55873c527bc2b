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
  // Sources import './x.js' (nodenext); map back to the .ts file for Jest.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
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
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/reset-exit-code.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/libs/**/*.int-test.ts', '<rootDir>/apps/**/*.int-test.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-test.ts'],
    },
  ],
};
