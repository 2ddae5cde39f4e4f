// Typed linting: the rules that catch lost promises and non-exhaustive switches are errors.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const noDeepImports = {
  patterns: [
    {
      group: ['@corridor/*/src/**', '@corridor/*/*'],
      message: 'Import a library only through its index: @corridor/<name>.',
    },
    {
      group: ['**/libs/*/src/**', '../../libs/**', '../../../libs/**'],
      message: 'Import a library as @corridor/<name>, never by relative path.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'libs/contracts/src/gen/**',
      'coverage/**',
      'test-artifacts/**',
      '**/*.js',
      '**/*.mjs',
      'apps/gateway/desk/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      'no-restricted-imports': ['error', noDeepImports],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: [
      'libs/pki/**',
      'libs/identity/**',
      'libs/envelope/**',
      'libs/policy/**',
      'libs/audit-log/**',
      'libs/contracts/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noDeepImports,
          paths: [
            { name: '@nestjs/common', message: 'libs are framework-free' },
            { name: '@nestjs/core', message: 'libs are framework-free' },
          ],
        },
      ],
    },
  },
  {
    // SQL lives in repositories: each table of the gateway has one owner, a *.repository.ts (docs/architecture.md).
    files: ['apps/gateway/src/**/*.ts'],
    ignores: [
      'apps/gateway/src/**/*.repository.ts',
      'apps/gateway/src/database/**',
      'apps/gateway/src/**/*.spec.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='query']",
          message: 'SQL lives in a *.repository.ts that owns the table: add a typed method there.',
        },
        {
          selector: "CallExpression[callee.name='queryPrepared']",
          message: 'SQL lives in a *.repository.ts that owns the table: add a typed method there.',
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
