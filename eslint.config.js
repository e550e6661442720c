// @ts-check
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const REGION_SRC = join(import.meta.dirname, 'packages/region/src');
/** The region's folders (domain concepts); each is reached from outside only through its `index.ts`. */
const REGION_FOLDERS = readdirSync(REGION_SRC, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
/**
 * Test code: tests, and the helpers only tests import — one name each: `*.fixtures.ts` beside the
 * tests that use them, `*.contract.ts` for a suite every adapter runs, `testing/` for a package's
 * helpers that other folders and workspaces use.
 */
const TEST_CODE = ['**/*.test.ts', '**/*.fixtures.ts', '**/*.contract.ts', '**/testing/**'];
/** Test helpers another folder's test code may import directly (they are in no `index.ts`). */
const TEST_HELPERS = [
  `${REGION_SRC}/**/*.fixtures.ts`,
  `${REGION_SRC}/**/*.contract.ts`,
  `${REGION_SRC}/testing/**`,
];

/**
 * One zone per folder: files outside it (in other folders, or directly in `src`) import it only
 * through its `index.ts`, or the `index.ts` of one of its sub-folders (an adapter the folder's
 * barrel leaves out, such as `keys/pkcs11/`) (STYLE 2); its own files import each other freely.
 * `exceptions`: what else outside files may import (test helpers, for test code).
 */
function barrelZones(exceptions) {
  return REGION_FOLDERS.map((folder) => ({
    target: [`${REGION_SRC}/!(${folder})/**`, `${REGION_SRC}/*.ts`],
    from: [`${REGION_SRC}/${folder}/**`],
    // Globs all (the rule wants every exception a glob when `from` is one).
    except: [`${REGION_SRC}/${folder}/**/index.{ts,js}`, ...exceptions],
    message: `Another folder imports ${folder}/ only through its index.ts.`,
  }));
}

/** The workspaces under `packages/`. */
const WORKSPACES = ['protocol', 'region', 'device', 'network', 'clients', 'cli'];

/** Forbids `files` to import these workspaces, by package name, subpath or a path into their sources. */
function workspaceZone(files, forbidden, message) {
  const group = forbidden.flatMap((ws) => [
    `@domicile/${ws}`,
    `@domicile/${ws}/*`,
    `**/${ws}/src/**`,
  ]);
  return {
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group, message }] }] },
  };
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '**/dist/**',
      'bench/results/**',
      'packages/cli/bin/**/*.js',
      'eslint.config.js',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // No import cycle, type-only imports included (the architecture test checks folders too).
    files: ['packages/*/src/**/*.ts', 'e2e/**/*.ts', 'bench/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Which files the rule reads for their imports, and with which parser: TypeScript's.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // TypeScript sources import each other by their `.js` names (NodeNext).
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js'],
          extensionAlias: { '.js': ['.ts', '.js'] },
          // Workspace packages by their sources (their `exports` condition), as the type-check does.
          conditionNames: ['@domicile/source', 'import', 'require', 'default'],
        }),
      ],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['packages/region/src/**/*.ts'],
    ignores: TEST_CODE,
    plugins: { 'import-x': importX },
    rules: { 'import-x/no-restricted-paths': ['error', { zones: barrelZones([]) }] },
  },
  {
    files: TEST_CODE.map((glob) => (glob.startsWith('**') ? `packages/region/src/${glob}` : glob)),
    plugins: { 'import-x': importX },
    rules: { 'import-x/no-restricted-paths': ['error', { zones: barrelZones(TEST_HELPERS) }] },
  },
  {
    // Outside a workspace, its modules are reached through its package exports (the region's `.`,
    // `./testing` and `./internals`, what the benchmark times), never by a path into its sources.
    files: ['bench/**/*.ts', 'e2e/**/*.ts', 'packages/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: WORKSPACES.map((ws) => `**/${ws}/src/**`),
              message: 'Import the workspace by its package name and exports, not its sources.',
            },
          ],
        },
      ],
    },
  },
  // The dependency graph is the architecture (STYLE 1): each zone names what a workspace never imports.
  workspaceZone(
    ['packages/protocol/**/*.ts'],
    ['region', 'device', 'network', 'clients', 'cli'],
    'The protocol is the bottom layer: it imports no other workspace.',
  ),
  workspaceZone(
    ['packages/device/**/*.ts'],
    ['region', 'network', 'clients', 'cli'],
    'The device is what runs on a phone: it imports only the protocol, never server or CLI code.',
  ),
  workspaceZone(
    ['packages/network/**/*.ts'],
    ['region', 'device', 'clients', 'cli'],
    'The network router sits between acquirers and regions: it imports only the protocol.',
  ),
  workspaceZone(
    ['packages/clients/**/*.ts'],
    ['region', 'device', 'network', 'cli'],
    "An issuer's or an operator's program imports these clients: they import only the protocol.",
  ),
);
