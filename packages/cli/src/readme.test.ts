import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderTestCardsMarkdown } from '@domicile/region';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents the sandbox test cards exactly as the sandbox issuer knows them', () => {
    const section = /<!-- test-cards:start -->\n([\s\S]*?)\n<!-- test-cards:end -->/.exec(
      readme,
    )?.[1];
    expect(section).toBe(renderTestCardsMarkdown().trim());
  });

  it('keeps the quick start to two commands, the second being what .ci/run calls', () => {
    const quick =
      /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n') ?? [];
    expect(quick).toHaveLength(2);
    expect(quick[1]).toMatch(/^npm test\b/);
    expect(readFileSync(new URL('../../../.ci/run', import.meta.url), 'utf8')).toMatch(
      /^npm test$/m,
    );
  });
});
