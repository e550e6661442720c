// @ts-check
import tseslint from 'typescript-eslint';

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
    // The device is what runs on a phone: it must never reach into the region server.
    files: ['packages/device/**/*.ts', 'packages/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@domicile/region',
                '@domicile/region/*',
                '@domicile/cli',
                '**/region/src/**',
                '**/cli/src/**',
              ],
              message: 'The device and protocol never import server or CLI code.',
            },
          ],
        },
      ],
    },
  },
  {
    // The network router sits between acquirers and regions: it knows the directory, nothing else.
    files: ['packages/network/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@domicile/region',
                '@domicile/device',
                '@domicile/cli',
                '**/region/src/**',
                '**/device/src/**',
                '**/cli/src/**',
              ],
              message: 'The network router imports only the protocol.',
            },
          ],
        },
      ],
    },
  },
  {
    // An issuer's or an operator's program imports these clients: they speak HTTP and the protocol only.
    files: ['packages/clients/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@domicile/region',
                '@domicile/region/*',
                '@domicile/device',
                '@domicile/network',
                '@domicile/cli',
                '**/region/src/**',
                '**/device/src/**',
                '**/network/src/**',
                '**/cli/src/**',
              ],
              message: 'The clients import only the protocol.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@domicile/region',
                '@domicile/device',
                '@domicile/cli',
                '**/region/src/**',
                '**/device/src/**',
                '**/cli/src/**',
              ],
              message: 'The protocol is the bottom layer: it imports no other workspace.',
            },
          ],
        },
      ],
    },
  },
);
