import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The domain stays pure: it may import only itself and libs/money (also pure).
const adapterImports = [
  '@nestjs/*', 'pg', 'pg-*', 'kafkajs', 'ioredis', '@electric-sql/*', 'undici', 'prom-client',
  'class-validator', 'class-transformer', 'node:fs', 'node:fs/*', 'node:net', 'node:http',
  'fs', 'net', 'http',
  '**/event-store/**', '**/apps/**', '**/config/**',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.caracal/**'] },
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
    files: ['libs/domain/**/*.ts', 'libs/money/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: adapterImports, message: 'libs/domain and libs/money are pure: no framework, I/O or adapter imports (DESIGN.md "Layout").' }],
      }],
    },
  },
  {
    // Tests read JSON answers field by field; typing every body would add noise, not safety.
    files: ['**/*.spec.ts', '**/*.int-test.ts', '**/*.e2e-test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
