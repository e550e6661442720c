import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isLuhnValid, withLuhnCheckDigit } from '@domicile/protocol';
import { openDatabase } from '../storage/index.js';
import {
  scanDatabase,
  scanFiles,
  scanFilesForClearCards,
  type ClearCardFinding,
} from './residency-scan.js';

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

describe('clear-card scan of SQLite files', () => {
  const noTokens = (): boolean => false;
  /** A jti's last group, 12 digits, that makes a Luhn-valid card-shaped run with a 2026 date after it. */
  const lastGroup = ((): string => {
    for (let d = 0; d < 10; d++) if (isLuhnValid(`41111111111${d}2026`)) return `41111111111${d}`;
    throw new Error('no digit makes it Luhn-valid');
  })();
  const jti = `8f1c3a2e-1b2c-4d5e-8f90-${lastGroup}`;
  const expiresAt = '2026-12-01T23:34:13.000Z';

  /** A region-like SQLite file in WAL mode, kept open so that its rows stay in the WAL. */
  async function openFile(): Promise<{ path: string; sqlite: BetterSqlite3.Database }> {
    const path = join(await mkdtemp(join(tmpdir(), 'scan-')), 'us.db');
    const sqlite = new BetterSqlite3(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('wal_autocheckpoint = 0');
    // As migration 0016 makes it: jti and expires_at lie back to back in each record's body.
    sqlite.exec(`create table single_use_ids (kind text not null, scope text not null,
      jti text not null, expires_at text not null, primary key (kind, scope, jti)) without rowid`);
    sqlite.exec('create table notes (network text, note text)');
    sqlite
      .prepare('insert into single_use_ids values (?, ?, ?, ?)')
      .run('dpop', '82XUoMSG4L7OUjI5pxrUftDFJLoL2IHhCU5yWnXxR9I', jti, expiresAt);
    return { path, sqlite };
  }

  const scan = (path: string): Promise<readonly ClearCardFinding[]> =>
    scanFilesForClearCards([path, `${path}-wal`], noTokens).then((s) => s.findings);

  it('does not read two adjacent values of a record as one card number, in the WAL or the database', async () => {
    const { path, sqlite } = await openFile();
    // What the raw scan took for a card number: the jti's last group and the date's year, one
    // run of 16 digits between two hyphens, Luhn-valid and starting with 4.
    const merged = `-${lastGroup}${expiresAt}`;
    expect((await readFile(`${path}-wal`)).toString('latin1')).toContain(merged);
    expect(isLuhnValid(`${lastGroup}2026`)).toBe(true);
    expect(await scan(path)).toEqual([]);
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    expect((await readFile(path)).toString('latin1')).toContain(merged);
    expect(await scan(path)).toEqual([]);
    sqlite.close();
  });

  it('finds a card number in clear in any text value, right after another value too, in the WAL and the database', async () => {
    const { path, sqlite } = await openFile();
    const insert = sqlite.prepare('insert into notes values (?, ?)');
    // Right after "visa" in the record's body: no run of its own to a raw scan.
    insert.run('visa', '4111111111111111');
    insert.run('mastercard', 'called about 5555555555554444 today');
    // Most of it on overflow pages, the card number among them.
    insert.run('amex', `${'x'.repeat(6000)} 378282246310005 ${'y'.repeat(6000)}`);
    const expectFound = async (file: string): Promise<void> => {
      const bytes = (await readFile(file)).toString('latin1');
      const found = (await scan(path)).filter((f) => f.location.startsWith(`file:${file}@`));
      // Each at the byte offset of its digits, named by its last four only; the WAL holds a copy
      // of the page for each insert after it, each found.
      const numbers = found.map((f) => {
        const at = Number(f.location.slice(f.location.lastIndexOf('@') + 1));
        const digits = /^\d+/.exec(bytes.slice(at, at + 20))?.[0] ?? '';
        expect(digits.slice(-4)).toBe(f.last4);
        return digits;
      });
      expect(new Set(numbers)).toEqual(
        new Set(['4111111111111111', '5555555555554444', '378282246310005']),
      );
    };
    await expectFound(`${path}-wal`);
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    await expectFound(path);
    sqlite.close();
  });

  it('reads a damaged SQLite file without failing, its card numbers still found', async () => {
    const { path, sqlite } = await openFile();
    sqlite.prepare('insert into notes values (?, ?)').run('visa', 'card 4111111111111111 here');
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.close();
    const intact = await readFile(path);
    const at = intact.indexOf('4111111111111111', 0, 'latin1');
    // Damaged anywhere but at the number, bytes the parser reads are nonsense: a page or record
    // that does not add up is read raw (where the jti and the date make a run again), never
    // thrown on, and never cut inside a value it cannot read.
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      const damaged = Buffer.from(intact);
      for (let j = 0; j < 8; j++) {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        const offset = seed % damaged.length;
        if (offset < at - 1 || offset > at + 16) damaged[offset] = seed % 256;
      }
      await writeFile(path, damaged);
      expect((await scan(path)).filter((f) => f.last4 !== '2026')).toEqual([
        { location: `file:${path}@${at}`, last4: '1111' },
      ]);
    }
  });
});
