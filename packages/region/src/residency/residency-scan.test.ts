import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../storage/index.js';
import { scanDatabase, scanFiles } from './residency-scan.js';

// The audit must be able to fail: these plant a number and expect it found.
describe('residency scan', () => {
  it('finds a card number planted in a file and names it by last 4 only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scan-'));
    await writeFile(join(dir, 'a.log'), '{"msg":"oops 4111111111111111"}\n');
    await writeFile(join(dir, 'b.log'), '{"msg":"clean"}\n');
    const findings = await scanFiles(
      [join(dir, 'a.log'), join(dir, 'b.log'), join(dir, 'missing.log')],
      ['4111111111111111'],
    );
    expect(findings).toEqual([{ location: join(dir, 'a.log'), card: '•••• 1111' }]);
  });

  it('finds a card number planted in any table, including one it was not told about', async () => {
    const db = await openDatabase('sqlite::memory:');
    await db
      .insertInto('audit_log')
      .values({
        at: 'now',
        actor: 'x',
        action: 'y',
        subject: 'z',
        detail: '{"pan":"6200123456782015"}',
      })
      .execute();
    expect(await scanDatabase(db, ['6200123456782015', '4111111111111111'], 'test')).toEqual([
      { location: 'test:audit_log', card: '•••• 2015' },
    ]);
    await db.destroy();
  });
});
