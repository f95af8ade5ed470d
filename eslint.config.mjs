import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'data/**',
      'node_modules/**',
      'coverage/**',
      'bin/**',
      '*.config.js',
      '.dependency-cruiser.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Nest injects by the constructor parameter's class: an `import type` there would erase it.
    languageOptions: {
      parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // The CLI and the benchmarks talk to a terminal.
    files: ['apps/cli/**', 'test/bench/**', 'apps/api/main.ts', 'apps/worker/main.ts'],
    rules: { 'no-console': 'off' },
  },
);
