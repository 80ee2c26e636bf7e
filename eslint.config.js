// Lint: no floating promises anywhere; workflows/ stays deterministic (type-only imports
// of activities, clients and Node built-ins).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'dns', 'stream', 'timers', 'worker_threads', 'url', 'util'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'deploy/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['bin/*.js', 'test/support/*.mjs', 'scripts/stack/*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'workflows must be deterministic: no Node built-ins', allowTypeImports: true })),
          { name: '@kubernetes/client-node', message: 'workflows must not use clients', allowTypeImports: true },
          { name: 'etcd3', message: 'workflows must not use clients', allowTypeImports: true },
          { name: '@aws-sdk/client-s3', message: 'workflows must not use clients', allowTypeImports: true },
          { name: '@temporalio/client', message: 'use @temporalio/workflow inside workflows', allowTypeImports: true },
        ],
        patterns: [
          { group: ['**/activities', '**/activities/*', '**/k8s/kube-client*', '**/client/*', '**/worker/*', '**/cli/*'], message: 'workflows import activity types only (import type)', allowTypeImports: true },
        ],
      }],
      'no-console': 'error',
    },
  },
);
