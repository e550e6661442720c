import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Guesses, in ms, for a file with no duration in vitest's cache (a clean checkout, as in CI, has
 * none): the bench and the chaos run take a minute or more, an end-to-end file tens of seconds.
 * Vitest's own fallback orders such files by size, which starts the quick bench last.
 */
const GUESSES: readonly (readonly [prefix: string, ms: number])[] = [
  ['bench/bench.test.ts', 90_000],
  ['bench/chaos/', 60_000],
  ['e2e/', 15_000],
];
const UNIT_GUESS = 1_000;

/**
 * Longest files first (failed ones before all), so that no long file starts when the others are
 * nearly done and leaves the other workers idle while it runs alone.
 */
export class SlowestFirstSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const known = (spec: TestSpecification): { failed: boolean; ms: number } => {
      const path = relative(root, spec.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`);
      if (cached !== undefined) return { failed: cached.failed, ms: cached.duration };
      const guess = GUESSES.find(([prefix]) => path.startsWith(prefix))?.[1] ?? UNIT_GUESS;
      return { failed: false, ms: guess };
    };
    const keyed = files.map((spec) => ({ spec, ...known(spec) }));
    keyed.sort((a, b) => Number(b.failed) - Number(a.failed) || b.ms - a.ms);
    return Promise.resolve(keyed.map(({ spec }) => spec));
  }
}
