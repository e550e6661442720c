import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '@domicile/device';
import { memoryIo, runCli, type LocalDeployment } from '@domicile/cli';
import { openDatabase, type ResidencyReport } from '@domicile/region';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@domicile/region/testing';
import {
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

/**
 * `domicile residency report` and `verify` on real regions on loopback, on SQLite files and on
 * PostgreSQL: after a home card and a redirected card, each region's signed report shows only
 * its own cards, and a card number planted in a table or a log is found, never printed.
 */
const engines = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

async function cli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const { io, stdout, stderr } = memoryIo();
  const code = await runCli(args, io);
  return { code, out: stdout().join('\n'), err: stderr().join('\n') };
}

describe.each(engines)('residency reports of live regions on %s', (engine) => {
  const databases = new Map<string, TestPostgresDatabase>();
  let deployment: LocalDeployment & { cleanup(): Promise<void> };
  let wallet: Wallet;
  const usCard = testCard('us', 'green');
  const cnCard = testCard('cn', 'yellow');

  beforeAll(async () => {
    if (engine === 'postgres')
      for (const region of ['us', 'eu', 'cn'])
        databases.set(region, await createTestPostgresDatabase(`domicile_residency_${region}`));
    deployment = await startE2eDeployment(
      engine === 'postgres'
        ? { databaseUrl: (region) => databases.get(region)?.connectionString ?? '' }
        : {},
    );
    wallet = await registeredWallet(deployment, 'us');
    await wallet.addCard(cardInput(usCard), userHooks());
    await wallet.addCard(cardInput(cnCard), userHooks());
    // Three regions and two provisionings: slow on a machine shared with other test runs.
  }, 180_000);

  afterAll(async () => {
    await deployment.cleanup();
    for (const db of databases.values()) await db.drop();
  });

  async function report(
    region: string,
    extra: { format?: string; logs?: readonly string[] } = {},
  ): Promise<{ code: number; out: string; err: string; file: string }> {
    const format = extra.format ?? 'json';
    const file = join(deployment.dir, `residency-${region}-${Date.now()}.${format}`);
    const logs = [deployment.logFile(region), ...(extra.logs ?? [])];
    const run = await cli([
      'residency',
      'report',
      '--region',
      region,
      '--dir',
      deployment.dir,
      '--db',
      deployment.databaseUrl(region),
      '--format',
      format,
      '--out',
      file,
      '--log',
      ...logs,
    ]);
    return { ...run, file };
  }

  async function signedReport(file: string): Promise<ResidencyReport> {
    return (JSON.parse(await readFile(file, 'utf8')) as { report: ResidencyReport }).report;
  }

  it("signs each region's report, which verifies against the directory", async () => {
    for (const region of ['us', 'eu', 'cn']) {
      const made = await report(region);
      expect([made.code, made.err], region).toEqual([0, '']);
      expect(made.out).toContain('verdict: clean');
      const verified = await cli(['residency', 'verify', made.file, '--dir', deployment.dir]);
      expect([verified.code, verified.err], region).toEqual([0, '']);
      expect(verified.out).toContain(`residency report of region ${region}`);
    }
  });

  it('shows each card only in the region that owns it: the home region holds no cn card', async () => {
    const us = await signedReport((await report('us')).file);
    const cn = await signedReport((await report('cn')).file);
    const eu = await signedReport((await report('eu')).file);

    expect(us.cards.map((c) => [c.last4, c.ownerRegion, c.account])).toEqual([
      [usCard.pan.slice(-4), 'us', 'registered'],
    ]);
    expect(cn.cards.map((c) => [c.last4, c.ownerRegion, c.account])).toEqual([
      [cnCard.pan.slice(-4), 'cn', 'guest'],
    ]);
    expect(eu.cards).toEqual([]);
    expect([us.vault.records, cn.vault.records, eu.vault.records]).toEqual([1, 1, 0]);
    // The user is known in cn only by the pseudonym us sent there, and us knows where it sent them.
    const toCn = us.redirects.find((r) => r.region === 'cn');
    expect(toCn?.pseudonyms).toHaveLength(1);
    expect(cn.accounts.guests.map((g) => [g.pseudonym, g.homeRegion])).toEqual([
      [toCn?.pseudonyms[0], 'us'],
    ]);
    expect(cn.accounts.registered).toEqual([]);
    // What the home region's scan covered: every table and its log, and nothing found.
    for (const r of [us, cn, eu]) {
      expect(r.clearCardScan.findings, r.region).toEqual([]);
      expect(r.clearCardScan.tables.find((t) => t.table === 'credentials')).toBeDefined();
      expect(r.clearCardScan.files.map((f) => f.path)).toContain(deployment.logFile(r.region));
      expect(r.verdict).toEqual({ clean: true, problems: [] });
      expect(r.keys.map((k) => k.purpose)).toEqual(['signing', 'encryption', 'tsm', 'kek']);
    }
    expect(us.clearCardScan.tables.reduce((n, t) => n + t.values, 0)).toBeGreaterThan(100);
    if (engine === 'sqlite')
      expect(us.clearCardScan.files.map((f) => f.path)).toContain(join(deployment.dir, 'us.db'));
    const text = JSON.stringify([us, cn, eu]);
    for (const pan of [usCard.pan, cnCard.pan]) expect(text).not.toContain(pan);
    expect(text).not.toContain('user@example.com');
  });

  it('refuses a report edited after it was signed', async () => {
    const { file } = await report('cn');
    const edited = (await readFile(file, 'utf8')).replace(
      '"ownerRegion": "cn"',
      '"ownerRegion": "us"',
    );
    await writeFile(file, edited);
    const verified = await cli(['residency', 'verify', file, '--dir', deployment.dir]);
    expect(verified.code).toBe(1);
    expect(verified.err).toContain('error RESIDENCY_REPORT_SIGNATURE_INVALID');
  });

  it('writes a self-contained HTML page a regulator can open offline', async () => {
    const made = await report('us', { format: 'html' });
    expect(made.code).toBe(0);
    const html = await readFile(made.file, 'utf8');
    expect(html).toContain('Residency report: region us');
    expect(html).toContain(`<td>${usCard.pan.slice(-4)}</td>`);
    expect(html).not.toMatch(/https?:\/\/|<script|<link|src=/i);
  });

  it('finds a card number planted in a table and in a log: location and last 4, never the number', async () => {
    const planted = cnCard.pan;
    const writer = await openDatabase(deployment.databaseUrl('us'));
    try {
      await writer.schema.createTable('support_notes').addColumn('note', 'text').execute();
      await writer
        .withTables<{ support_notes: { note: string } }>()
        .insertInto('support_notes')
        .values({ note: `caller read out ${planted}` })
        .execute();
    } finally {
      await writer.destroy();
    }
    const log = join(deployment.dir, 'support-desk.log');
    await writeFile(log, `{"msg":"card ${planted} does not work"}\n`);
    const made = await report('us', { logs: [log] });
    expect(made.code).toBe(1);
    const last4 = planted.slice(-4);
    expect(made.out).toContain(`FOUND •••• ${last4} in clear at table:support_notes.note#1`);
    expect(made.out).toContain(`FOUND •••• ${last4} in clear at file:${log}@13`);
    const us = await signedReport(made.file);
    expect(us.clearCardScan.findings).toEqual(
      expect.arrayContaining([
        { location: 'table:support_notes.note#1', last4 },
        { location: `file:${log}@13`, last4 },
      ]),
    );
    expect(us.verdict.clean).toBe(false);
    for (const text of [made.out, made.err, await readFile(made.file, 'utf8')])
      expect(text).not.toContain(planted);
    // Still signed: a report that finds problems is evidence too.
    expect((await cli(['residency', 'verify', made.file, '--dir', deployment.dir])).code).toBe(0);
  });

  it('reports on a stopped region, from its database alone', async () => {
    await deployment.stopOne('cn');
    const made = await report('cn');
    expect([made.code, made.err]).toEqual([0, '']);
    expect((await signedReport(made.file)).cards.map((c) => c.last4)).toEqual([
      cnCard.pan.slice(-4),
    ]);
  });
});
