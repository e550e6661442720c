import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from '@domicile/device';
import { auditResidency, type LocalDeployment } from '@domicile/cli';
import { TEST_CARDS } from '@domicile/region';
import {
  PASSPHRASE,
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

/** The fields of a region's JSON log line that the trace test reads. */
interface LogLine {
  readonly msg?: string;
  readonly reqId?: string;
  readonly traceId?: string;
  readonly req?: { readonly url?: string };
}

let deployment: LocalDeployment & { cleanup(): Promise<void> };
let wallet: Wallet;
const steps: string[] = [];

beforeAll(async () => {
  deployment = await startE2eDeployment();
  wallet = await registeredWallet(deployment, 'us');
});
afterAll(async () => {
  await deployment.cleanup();
});

describe('provisioning across three regions (real servers on loopback)', () => {
  it('provisions a home card in the home region', async () => {
    const card = await wallet.addCard(
      cardInput(testCard('us', 'green')),
      userHooks({ onStep: (e) => steps.push(`us:${e.step}`) }),
    );
    expect(card).toMatchObject({ region: 'us', last4: '1111', state: 'active' });
    expect(steps).toEqual(
      expect.arrayContaining(['us:tokenized', 'us:card-art', 'us:script', 'us:active']),
    );
    expect(steps).not.toContain('us:redirect');
  });

  it('provisions a cn card through the redirect, with a one-time code', async () => {
    const events: string[] = [];
    const cn = testCard('cn', 'yellow');
    const card = await wallet.addCard(
      cardInput(cn),
      userHooks({
        onStep: (e) => events.push(e.step === 'redirect' ? `redirect:${e.from}->${e.to}` : e.step),
      }),
    );
    expect(card).toMatchObject({ region: 'cn', last4: cn.pan.slice(-4), state: 'active' });
    expect(events).toEqual(
      expect.arrayContaining([
        'redirect:us->cn',
        'idv',
        'idv-verified',
        'tokenized',
        'card-art',
        'script',
        'active',
      ]),
    );
    expect(events.indexOf('redirect:us->cn')).toBeLessThan(events.indexOf('session'));
    expect(wallet.cards().map((c) => `${c.region}:${c.state}`)).toEqual(['us:active', 'cn:active']);
  });

  it("carries the device's trace through the redirect into the owning region's log", async () => {
    for (const region of deployment.regions.values()) region.flushLogs();
    const linesOf = async (region: string): Promise<LogLine[]> =>
      (await readFile(deployment.logFile(region), 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as LogLine);
    const [us, cn] = [await linesOf('us'), await linesOf('cn')];
    // Every line written for a request names its trace.
    for (const line of [...us, ...cn].filter((l) => l.reqId !== undefined))
      expect(line.traceId, JSON.stringify(line)).toMatch(/^[0-9a-f]{32}$/);
    // The cn card was the only one added in cn: all its requests there are one trace ...
    const provisioning = (l: LogLine): boolean =>
      l.msg === 'request completed' && (l.req?.url ?? '').startsWith('/v1/provisioning');
    const cnTraces = new Set(cn.filter(provisioning).map((l) => l.traceId));
    expect(cnTraces.size).toBe(1);
    // ... begun at home, where the same trace was redirected.
    const [trace] = cnTraces;
    expect(us.filter((l) => provisioning(l) && l.traceId === trace).length).toBeGreaterThan(0);
    // Request ids are not counters: unique across the regions' nodes.
    const ids = [...us, ...cn].filter(provisioning).map((l) => l.reqId ?? '');
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
  });

  it('refuses the same card twice on one device, a declined card and an unsupported one', async () => {
    await expect(
      wallet.addCard(cardInput(testCard('us', 'green')), userHooks()),
    ).rejects.toMatchObject({ code: 'CARD_ALREADY_PROVISIONED' });
    await expect(
      wallet.addCard(cardInput(testCard('eu', 'red')), userHooks()),
    ).rejects.toMatchObject({ code: 'PROVISIONING_DECLINED' });
    await expect(
      wallet.addCard(cardInput(testCard('cn', 'unsupported')), userHooks()),
    ).rejects.toMatchObject({ code: 'CARD_NOT_SUPPORTED' });
    expect(wallet.cards()).toHaveLength(2);
  });

  it('serves the signed directory and an OpenAPI document from every region', async () => {
    for (const region of ['us', 'eu', 'cn']) {
      const api = await fetch(`${deployment.baseUrl(region)}/openapi.json`).then(
        (r) => r.json() as Promise<{ info: { title: string } }>,
      );
      expect(api.info.title).toContain(region);
      const dir = await fetch(`${deployment.baseUrl(region)}/v1/directory`).then(
        (r) => r.json() as Promise<{ directory: string }>,
      );
      expect(dir.directory).toBe(deployment.directoryJws);
    }
  });

  it('keeps each card, its token and its account where they belong', async () => {
    const us = deployment.regions.get('us')?.context.db;
    const cn = deployment.regions.get('cn')?.context.db;
    const eu = deployment.regions.get('eu')?.context.db;
    if (us === undefined || cn === undefined || eu === undefined) throw new Error('regions');
    expect(
      (await us.selectFrom('credentials').select('last4').execute()).map((r) => r.last4),
    ).toEqual(['1111']);
    expect(
      (await cn.selectFrom('credentials').select('last4').execute()).map((r) => r.last4),
    ).toEqual([testCard('cn', 'yellow').pan.slice(-4)]);
    expect(await eu.selectFrom('credentials').select('id').execute()).toEqual([]);
    expect(await us.selectFrom('vault_records').select('id').execute()).toHaveLength(1);
    expect(await cn.selectFrom('vault_records').select('id').execute()).toHaveLength(1);
    // The guest account in cn holds a pseudonym and the home region, and no personal data.
    const guests = await cn.selectFrom('accounts').selectAll().execute();
    expect(guests).toHaveLength(1);
    expect(guests[0]).toMatchObject({ kind: 'guest', home_region: 'us', name: null, email: null });
    expect(JSON.stringify(guests)).not.toContain('Test User');
    expect(JSON.stringify(await cn.selectFrom('devices').selectAll().execute())).not.toContain(
      'user@example.com',
    );
    // The home region recorded the redirect; it never saw the cn card's number or its session.
    expect(
      new Set(
        (await us.selectFrom('provisioning_sessions').select('last4').execute()).map(
          (r) => r.last4,
        ),
      ),
    ).toEqual(new Set(['1111']));
    expect(
      (await us.selectFrom('audit_log').select('action').execute()).map((r) => r.action),
    ).toContain('redirect.issued');
  });

  it('keeps its notification cursor in the wallet file, so a reopened wallet resumes where it stopped', async () => {
    // The region's echo of the activation is the only notification the flow did not need.
    expect((await wallet.syncNotifications('cn')).map((h) => h.outcome)).toEqual(['already-done']);
    expect((await wallet.syncNotifications('us')).map((h) => h.outcome)).toEqual(['already-done']);
    const reopened = await Wallet.open({ path: wallet.path, passphrase: PASSPHRASE });
    expect(await reopened.syncNotifications('cn')).toEqual([]);
    expect(await reopened.syncNotifications('us')).toEqual([]);
    const ids =
      (await deployment.regions
        .get('cn')
        ?.context.db.selectFrom('notifications')
        .select(['id', 'type'])
        .orderBy('id')
        .execute()) ?? [];
    expect(ids.map((n) => n.type)).toEqual([
      'credential.provisioned',
      'tsm.script.ready',
      'credential.activated',
    ]);
  });

  it('leaves no card number in clear in any database, WAL, log or wallet file, and none outside its region', async () => {
    for (const region of deployment.regions.values()) region.flushLogs();
    const report = await auditResidency(
      deployment,
      TEST_CARDS.map((c) => c.pan),
      [wallet.path],
    );
    expect(report.scannedFiles.filter((f) => f.endsWith('.log'))).toHaveLength(3);
    expect(report.scannedFiles.filter((f) => f.endsWith('.db'))).toHaveLength(3);
    expect(report.findings).toEqual([]);
  });
});
