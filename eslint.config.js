// Lint rules run inside `npm test`. Type-aware rules catch promises nobody awaits; the boundary
// rules keep each folder to its role (docs/architecture.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const DRIVERS = ['pg', 'pg-*', 'better-sqlite3', 'ioredis', 'kysely', 'kysely/*'];

/** Each entry: the folders it covers, the import patterns they may not use, and why. */
const rules = [
  {
    files: ['src/**'],
    ignores: ['src/store/**', 'src/live/**'],
    group: DRIVERS,
    why: 'only store/ and live/ talk to drivers',
  },
  { files: ['src/runtime/**'], group: ['**/http/**'], why: 'the runtime is built without HTTP' },
  { files: ['src/http/**'], group: ['**/maintenance/steps/**'], why: 'HTTP reaches maintenance through its engine' },
  {
    files: ['src/store/**'],
    group: ['**/maintenance/**', '**/http/**', '**/runtime/**'],
    why: 'store/ sits below the core',
  },
  {
    files: ['src/live/**'],
    group: ['**/maintenance/**', '**/http/**', '**/runtime/**', '**/store/**'],
    why: 'live/ sits below the core',
  },
  {
    files: ['src/resilience/**'],
    group: ['../**', ...DRIVERS],
    why: 'resilience/ is neutral: every layer uses it, it uses none',
  },
  {
    files: ['src/site-guard/**'],
    group: ['../**', ...DRIVERS],
    why: 'site-guard/ runs inside the protected site: it stands alone',
  },
  {
    files: ['src/domain/**'],
    group: ['**/http/**', '**/runtime/**', '**/maintenance/**', '**/cli/**', ...DRIVERS],
    why: 'the domain knows only contracts',
  },
];
const boundaries = rules.map(({ files, ignores, group, why }) => ({
  files,
  ...(ignores ? { ignores } : {}),
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group, message: `Boundary: ${why}.` }] }] },
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'tmp/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-mixed-operators': ['error', { groups: [['&&', '||', '??']] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...boundaries,
  {
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
);
