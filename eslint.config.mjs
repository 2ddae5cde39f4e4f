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

// An app never imports another app's files: what two apps share lives in a library (@corridor/gateway-api, ...).
const APPS = ['gateway', 'secretariat', 'cli'];
const noOtherApp = (app) => ({
  group: APPS.filter((other) => other !== app).flatMap((other) => [
    `**/apps/${other}/**`,
    `**/${other}/src/**`,
  ]),
  message: 'An app never imports another app: move what they share into a library (libs/*).',
});
const appRules = (app) => ({
  files: [`apps/${app}/**/*.ts`],
  ignores: ['**/*.spec.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...noDeepImports.patterns,
          noOtherApp(app),
          {
            group: ['kafkajs'],
            message: 'only libs/platform imports kafkajs: use KafkaClient and its types',
          },
        ],
      },
    ],
    // The same for import('...') and typeof import('...'), which no-restricted-imports does not see.
    'no-restricted-syntax': [
      'error',
      ...['ImportExpression > Literal.source', 'TSImportType Literal'].map((node) => ({
        selector: `${node}[value=/(^|\\/)(apps\\/)?(${APPS.filter((o) => o !== app).join('|')})\\/src\\//]`,
        message: noOtherApp(app).message,
      })),
    ],
  },
});

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
  ...APPS.map(appRules),
  {
    files: [
      'libs/pki/**',
      'libs/identity/**',
      'libs/envelope/**',
      'libs/policy/**',
      'libs/audit-log/**',
      'libs/contracts/**',
      'libs/gateway-api/**',
      'libs/secretariat-api/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noDeepImports,
          patterns: [
            ...noDeepImports.patterns,
            {
              group: ['@nestjs/*', 'typeorm', 'kafkajs', 'pino'],
              message: 'libs are framework-free (only libs/platform holds Nest glue)',
            },
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
        // a later config replaces a rule's options: keep the app's own selectors (no other app's files)
        ...appRules('gateway').rules['no-restricted-syntax'],
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
