import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withLuhnCheckDigit } from '@domicile/protocol';
import { openDatabase } from '../storage/index.js';
import { scanDatabase, scanFiles, scanFilesForClearCards } from './residency-scan.js';

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

describe('clear-card scan', () => {
  it('finds Luhn-valid runs of 13 to 19 digits by byte offset and last 4, and skips token numbers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scan-'));
    const file = join(dir, 'a.log');
    const lines = [
      'pan 4111111111111111 end', // a card number: found
      'not luhn 4111111111111112', // not Luhn-valid: a number, not a card
      'amount 0.4111111111111111', // a decimal fraction
      'twenty digits 41111111111111111110', // longer than any card number
      `token ${withLuhnCheckDigit('489000000000000')}`, // in the range the test says is tokens
      'short 411111111111', // 12 digits
      '"time":1764570000000', // a Luhn-valid millisecond timestamp: no payment card starts with 1
      'hash 9f4111111111111111ab', // digits inside a hex string
    ];
    await writeFile(file, lines.join('\n'));
    const scan = await scanFilesForClearCards([file, join(dir, 'missing.log')], (digits) =>
      digits.startsWith('489'),
    );
    expect(scan.files).toEqual([{ path: file, bytes: Buffer.byteLength(lines.join('\n')) }]);
    expect(scan.findings).toEqual([{ location: `${'file:'}${file}@4`, last4: '1111' }]);
    expect(scan.tokenNumbersSkipped).toBe(1);
  });
});
