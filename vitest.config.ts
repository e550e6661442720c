import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { SlowestFirstSequencer } from './scripts/slowest-first-sequencer.js';

/** The export condition under which each workspace package points at its TypeScript sources. */
const SOURCE_CONDITION = '@domicile/source';

export default defineConfig({
  // Tests run the sources (no build needed for them); processes they spawn run the build.
  resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/bin/**/*.test.ts',
      'e2e/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    // Brings the compiled build up to date first: the `domicile` processes tests spawn run it.
    globalSetup: ['./scripts/build-before-tests.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: real servers and scrypt in parallel workers would only fight for them (a third
    // worker was tried: under load it made every file slower and the suite no faster).
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
