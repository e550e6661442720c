import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDirectory, type Directory } from '@domicile/protocol';
import { activePrivateJwk, saveRegionKeySet, type RegionKeySet } from '../keys/index.js';
import { seedTokens } from '../seeding/index.js';
import { openDatabase, type Database } from '../storage/index.js';
import { guestAccount } from '../storage/storage.fixtures.js';
import { createRegionFixture } from '../testing/region-fixture.js';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../testing/test-database.js';
import { auditChainNotChecked } from './audit-chain-status.js';
import { fileKeyInventory } from './key-inventory.js';
import { openReadOnlyDatabase } from './read-only-database.js';
import { buildResidencyReport, type ResidencyReport } from './residency-report.js';

const engines = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];
const TOKENS = 6;
// A Luhn-valid card number that is no token number: planted where no card number may be.
const PLANTED = '4556737586899855';

describe.each(engines)('residency report on %s', (engine) => {
  let dir: string;
  let url: string;
  let pg: TestPostgresDatabase | undefined;
  let writer: Kysely<Database>;
  let directory: Directory;
  let keys: RegionKeySet;
  let keyFile: string;
  let logFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'residency-report-'));
    pg = engine === 'postgres' ? await createTestPostgresDatabase('residency_report') : undefined;
    url = pg?.connectionString ?? `sqlite:${join(dir, 'us.db')}`;
    const fixture = await createRegionFixture();
    directory = await verifyDirectory(fixture.directoryJws, fixture.authorityKey);
    keys = fixture.keys.get('us') as RegionKeySet;
    keyFile = join(dir, 'us.keys.json');
    await saveRegionKeySet(keyFile, keys);
    logFile = join(dir, 'us.log');
    await writeFile(logFile, '{"level":30,"msg":"request completed","status":201}\n');
    writer = await openDatabase(url);
    const region = directory.region('us');
    if (region === undefined) throw new Error('fixture without us');
    await seedTokens({ db: writer, keys, region, tokens: TOKENS });
    await writer
      .insertInto('accounts')
      .values(guestAccount({ id: 'guest-1', home_region: 'eu', pseudonym: 'pseudonym-from-eu' }))
      .execute();
    await writer
      .insertInto('residency_index')
      .values({
        account_id: 'account-redirected',
        region: 'cn',
        pseudonym: 'pseudonym-for-cn',
        first_seen_at: new Date().toISOString(),
      })
      .execute();
  });

  afterAll(async () => {
    await writer.destroy();
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function report(): Promise<ResidencyReport> {
    const database = await openReadOnlyDatabase(url);
    try {
      const now = new Date();
      return await buildResidencyReport({
        region: 'us',
        database,
        directory,
        logFiles: [logFile],
        keys: await fileKeyInventory({ keys, keyFile, directory, db: database.db, now }),
        auditChain: auditChainNotChecked('no verifier in this test'),
        now,
      });
    } finally {
      await database.db.destroy();
    }
  }

  it('lists the cards, accounts, guests, redirects and keys of a region, and nothing personal', async () => {
    const r = await report();
    expect(r.database.kind).toBe(engine);
    expect(r.cards).toHaveLength(TOKENS);
    for (const card of r.cards) {
      expect(card).toMatchObject({ ownerRegion: 'us', account: 'registered', state: 'active' });
      expect(card.product).toEqual(expect.any(String));
      expect(card.last4).toMatch(/^\d{4}$/);
    }
    expect(r.vault).toEqual({ records: TOKENS, erased: 0 });
    expect(r.accounts.registered.length).toBeGreaterThan(0);
    expect(r.accounts.guests).toEqual([
      expect.objectContaining({ pseudonym: 'pseudonym-from-eu', homeRegion: 'eu', devices: 0 }),
    ]);
    expect(r.redirects).toEqual([{ region: 'cn', accounts: 1, pseudonyms: ['pseudonym-for-cn'] }]);
    expect(r.keys.map((k) => [k.purpose, k.kid, k.store, k.inDirectory ?? null])).toEqual([
      ['signing', activePrivateJwk(keys, 'signing').kid, 'file', true],
      ['encryption', activePrivateJwk(keys, 'encryption').kid, 'file', true],
      ['tsm', activePrivateJwk(keys, 'tsm').kid, 'file', true],
      ['kek', keys.secrets.vaultKekId, 'file', null],
    ]);
    expect(r.keys.find((k) => k.purpose === 'kek')?.vaultRecords).toBe(TOKENS);
    expect(r.auditChain).toEqual({ status: 'not-checked', reason: 'no verifier in this test' });
    expect(r.verdict).toEqual({ clean: true, problems: [] });
    const text = JSON.stringify(r);
    expect(text).not.toContain('Seeded User');
    expect(text).not.toContain('@seed.example');
    expect(text).not.toContain(activePrivateJwk(keys, 'signing').d);
  });

  it('scans every table, and the database files and logs, saying how much it read', async () => {
    const { clearCardScan: scan } = await report();
    const tables = scan.tables.map((t) => t.table);
    for (const table of ['accounts', 'credentials', 'vault_records', 'residency_index'])
      expect(tables).toContain(table);
    const credentials = scan.tables.find((t) => t.table === 'credentials');
    expect(credentials?.rows).toBe(TOKENS);
    expect(credentials?.values).toBeGreaterThan(TOKENS * 10);
    // Each credential's token number is Luhn-valid, and is not a card number.
    expect(scan.tokenNumbersSkipped).toBeGreaterThanOrEqual(TOKENS);
    const files = scan.files.map((f) => f.path);
    expect(files).toContain(logFile);
    if (engine === 'sqlite') expect(files).toContain(join(dir, 'us.db'));
    expect(scan.findings).toEqual([]);
  });

  it('opens the database read only: a write through it fails', async () => {
    const database = await openReadOnlyDatabase(url);
    try {
      await expect(
        database.db
          .insertInto('residency_index')
          .values({
            account_id: 'a',
            region: 'eu',
            pseudonym: 'p',
            first_seen_at: 'now',
          })
          .execute(),
      ).rejects.toThrow(/read.?only/i);
    } finally {
      await database.db.destroy();
    }
  });

  it('finds a card number planted in a table and in a log, by location and last 4 only', async () => {
    await sql`create table operator_notes (note text)`.execute(writer);
    await sql`insert into operator_notes (note) values (${`customer called about ${PLANTED}`})`.execute(
      writer,
    );
    await writer
      .insertInto('accounts')
      .values(guestAccount({ id: 'guest-2', home_region: 'eu', pseudonym: `p-${PLANTED}` }))
      .execute();
    await appendFile(logFile, `{"level":40,"msg":"card ${PLANTED} declined"}\n`);
    const r = await report();
    const { findings } = r.clearCardScan;
    expect(findings).toContainEqual({ location: 'table:operator_notes.note#1', last4: '9855' });
    expect(findings.filter((f) => f.location.startsWith('table:accounts.pseudonym#'))).toEqual([
      { location: expect.any(String) as string, last4: '9855' },
    ]);
    // The report lists the guest, its pseudonym masked as the scan found it.
    expect(r.accounts.guests.map((g) => g.pseudonym)).toContain('p-************9855');
    const inLog = findings.filter((f) => f.location.startsWith(`file:${logFile}@`));
    expect(inLog).toEqual([{ location: expect.any(String) as string, last4: '9855' }]);
    if (engine === 'sqlite')
      expect(findings.some((f) => f.location.startsWith(`file:${join(dir, 'us.db')}`))).toBe(true);
    expect(r.verdict.clean).toBe(false);
    expect(r.verdict.problems[0]).toContain('•••• 9855 at table:operator_notes.note#1');
    expect(JSON.stringify(r)).not.toContain(PLANTED);
  });
});
