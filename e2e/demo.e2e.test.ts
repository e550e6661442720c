import { existsSync } from 'node:fs';
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
    let files: string[] = [];
    try {
      expect(await runDemo({ dir, configFile: CONFIG_FILE, io })).toBe(true);
      // Every file the demo says it left is there.
      const printed = stdout();
      files = printed
        .slice(printed.findIndex((l) => l.startsWith('data left in ')) + 1)
        .flatMap((l) =>
          [...l.matchAll(/(?:^|[ ,])(?:sqlite:)?(\/[^\s,]+)/g)].map((m) => m[1] ?? ''),
        );
      for (const file of files) expect(existsSync(file), file).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const lines = stdout();
    const text = lines.join('\n');
    expect(text).toContain('↪ us redirects to cn');
    expect(text).toContain("no one-time code asked: eu took sandbox-eu's signature as ID&V");
    expect(text).toContain('declined: atc_replayed');
    expect(text).toContain('every region confirmed');
    expect(text).toContain('no card number in clear anywhere');
    expect(lines).toContain('demo complete');
    expect(lines.slice(lines.indexOf('demo complete') + 1)[0]).toBe(
      `data left in ${dir} (delete the folder when done):`,
    );
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const card of TEST_CARDS) expect(text).not.toContain(card.pan);
    // The payments are listed in the order they happened.
    const times = lines
      .filter((l) => /^ {6}\d{4}-\d\d-\d\dT/.test(l))
      .map((l) => l.trim().split(' ')[0] ?? '');
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(times).toEqual([...times].sort());
  }, 300_000); // The whole story: 45 s on an idle 2-core machine, minutes on a loaded one.
});
