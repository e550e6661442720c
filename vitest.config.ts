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
    // One worker more than the two cores: the end-to-end files mostly wait on the processes they
    // start (regions, routers, the bench), which left the cores half idle with two workers.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
