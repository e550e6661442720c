import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo, runDemo } from '@domicile/cli';
import { TEST_CARDS } from '@domicile/region';
import { CONFIG_FILE } from './testing/e2e-deployment.js';

describe('domicile demo', () => {
  it('runs the whole story and passes its residency audit, printing no card number', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'domicile-demo-test-'));
    const { io, stdout } = memoryIo();
    try {
      expect(await runDemo({ dir, configFile: CONFIG_FILE, io })).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const lines = stdout();
    const text = lines.join('\n');
    expect(text).toContain('↪ us redirects to cn');
    expect(text).toContain('declined: atc_replayed');
    expect(text).toContain('every region confirmed');
    expect(text).toContain('no card number in clear anywhere');
    expect(lines.at(-1)).toBe('demo complete');
    for (const card of TEST_CARDS) expect(text).not.toContain(card.pan);
  });
});
