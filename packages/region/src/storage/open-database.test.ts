import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isDomicileError } from '@domicile/protocol';
import { openDatabase } from './open-database.js';

const dir = mkdtempSync(join(tmpdir(), 'domicile-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function opensAndMigrates(url: string): Promise<void> {
  const db = await openDatabase(url);
  try {
    expect(await db.selectFrom('notifications').selectAll().execute()).toEqual([]);
  } finally {
    await db.destroy();
  }
}

describe('openDatabase', () => {
  it('opens sqlite::memory:', () => opensAndMigrates('sqlite::memory:'));

  it.each([
    ['sqlite:<path>', (p: string) => `sqlite:${p}`, 'a.db'],
    ['sqlite://<path>', (p: string) => `sqlite://${p}`, 'b.db'],
    ['a bare .db path', (p: string) => p, 'c.db'],
    ['a bare .sqlite path', (p: string) => p, 'd.sqlite'],
  ])('opens %s as a file', async (_form, toUrl, file) => {
    const path = join(dir, file);
    await opensAndMigrates(toUrl(path));
    expect(existsSync(path)).toBe(true);
  });

  it.each(['mysql://localhost/x', 'region.txt', 'sqlite:', ''])(
    'refuses %j as CONFIG_INVALID',
    async (url) => {
      const error = await openDatabase(url).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isDomicileError(error, 'CONFIG_INVALID')).toBe(true);
    },
  );
});
