import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { packageBoundaries } from './build/eslint-package-boundaries.js';

// Which @caracal packages each package may import (docs/architecture.md). Test code may also
// import @caracal/test-support and any package's testing entry.
const PACKAGES = {
  'libs/money': { allow: [] },
  'libs/domain': { allow: ['money', 'api-contract'] },
  'libs/api-contract': { allow: [] },
  'libs/config': { allow: [] },
  'libs/merkle': { allow: [] },
  'libs/event-store': { allow: ['merkle'] },
  'libs/pricing': { allow: ['money'] },
  'libs/processing': { allow: ['event-store'] },
  'libs/projections': { allow: ['domain', 'event-store', 'processing'] },
  'libs/sealing': { allow: ['event-store', 'merkle', 'processing'] },
  'libs/messaging': { allow: ['config', 'domain', 'event-store', 'processing', 'projections'] },
  'libs/recovery': { allow: ['domain', 'event-store', 'merkle', 'messaging', 'processing', 'sealing'] },
  'libs/runtime': { allow: ['api-contract', 'config', 'event-store', 'messaging', 'processing', 'projections', 'recovery', 'sealing'] },
  'apps/gateway': {
    allow: ['api-contract', 'config', 'domain', 'event-store', 'merkle', 'messaging', 'money', 'pricing', 'processing', 'projections', 'recovery', 'runtime', 'sealing'],
    sealed: [{ folder: 'apps/gateway/src/proxy', importedBy: ['apps/gateway/src/app.module.ts', 'apps/gateway/src/runtime/'], message: 'gateway features do not import the proxy (docs/architecture.md)' }],
  },
  'apps/projector': { allow: ['config', 'messaging', 'processing', 'recovery', 'runtime', 'sealing'] },
  // The CLI talks to the gateway through the API contract; it also verifies exports offline
  // (merkle, sealing) and restores an embedded backup on the data directory, with no gateway.
  'apps/cli': {
    allow: ['api-contract', 'merkle', 'sealing'],
    allowInFiles: { 'apps/cli/src/commands/backup/restore.ts': ['domain', 'event-store', 'recovery'], 'apps/cli/src/output/backup-output.ts': ['recovery'] },
  },
  'test/support': { allow: ['api-contract', 'config', 'domain', 'event-store', 'merkle', 'messaging', 'money', 'pricing', 'processing', 'projections', 'recovery', 'runtime', 'sealing'] },
  test: { allow: ['api-contract', 'config', 'domain', 'event-store', 'merkle', 'messaging', 'money', 'pricing', 'processing', 'projections', 'recovery', 'runtime', 'sealing'] },
  // bench/bus runs the Kafka bus against librdkafka's mock cluster, as the tests do.
  bench: { allowTestSupport: true, allow: ['api-contract', 'config', 'domain', 'event-store', 'merkle', 'messaging', 'money', 'pricing', 'processing', 'projections', 'recovery', 'runtime', 'sealing'] },
};

// The domain stays pure: it may import only itself, libs/money and libs/api-contract (pure too: the
// API's lists of values, defined once; docs/api.md "The contract in code").
const adapterImports = [
  '@nestjs/*', 'pg', 'pg-*', 'kafkajs', 'ioredis', '@electric-sql/*', 'undici', 'prom-client',
  'class-validator', 'class-transformer', 'node:fs', 'node:fs/*', 'node:net', 'node:http',
  'fs', 'net', 'http',
  '@caracal/event-store', '@caracal/config', '@caracal/runtime', '@caracal/processing',
];

export default tseslint.config(
  { ignores: ['dist/**', '**/node_modules/**', 'coverage/**', '.caracal/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    plugins: { caracal: { rules: { 'package-boundaries': packageBoundaries } } },
    rules: { 'caracal/package-boundaries': ['error', { packages: PACKAGES }] },
  },
  {
    files: ['libs/domain/**/*.ts', 'libs/money/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: adapterImports, message: 'libs/domain and libs/money are pure: no framework, I/O or adapter imports (DESIGN.md "Layout").' }],
      }],
    },
  },
  {
    // What clients (the CLI, SDKs) depend on alone: nothing but its own files.
    files: ['libs/api-contract/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '^(?!\\./)', message: 'libs/api-contract is types and dependency-free constants: it imports only its own files (docs/api.md).' }],
      }],
    },
  },
  {
    // Tests read JSON answers field by field; typing every body would add noise, not safety.
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
