import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SandboxOutboxClient, Wallet, type AddCardHooks } from '@domicile/device';
import { makePushPayload, verifyDirectory } from '@domicile/protocol';
import {
  createProgram,
  memoryIo,
  paths,
  readAuthorityPublicKey,
  readRegionKeys,
  sandboxIssuerKeyFile,
  type LocalDeployment,
} from '@domicile/cli';
import { IssuerApiClient, SupportClient } from '@domicile/clients';
import {
  AUDIT_ACTIONS,
  TEST_CARDS,
  auditRowHash,
  auditSigningKeysOf,
  recordKeyRotation,
  startRegion,
  verifyAuditChain,
  type Database,
  type ExportedAuditRow,
  type RunningRegion,
} from '@domicile/region';
import { createTestDevice, createTestPostgresDatabase } from '@domicile/region/testing';
import type { Kysely } from 'kysely';
import {
  PASSPHRASE,
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

type TestDatabase = Awaited<ReturnType<typeof createTestPostgresDatabase>>;

/** The user mistypes the one-time code once, then types the right one. */
function oneWrongCode(): AddCardHooks {
  const hooks = userHooks();
  let right: string | undefined;
  return {
    ...hooks,
    readOtp: async (context) => {
      if (right !== undefined) return right;
      right = await hooks.readOtp(context);
      return String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    },
  };
}

/** Runs `domicile …args` in process: its exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; out: string[] }> {
  const { io, stdout } = memoryIo();
  try {
    await createProgram(io).parseAsync(args, { from: 'user' });
    return { code: 0, out: stdout() };
  } catch (error) {
    return { code: io.fail(error), out: stdout() };
  }
}

const skipPg = process.env.DOMICILE_SKIP_PG === '1';

describe.each([
  ['sqlite', false],
  ['postgres', skipPg],
] as const)('audit log on %s (real servers on loopback)', (dialect, skip) => {
  const databases = new Map<string, TestDatabase>();
  let deployment: LocalDeployment & { cleanup(): Promise<void> };
  let wallet: Wallet;
  let secondNode: RunningRegion | undefined;

  const db = (region: string): Kysely<Database> => {
    const running = deployment.regions.get(region);
    if (running === undefined) throw new Error(`region ${region} is not running`);
    return running.context.db;
  };
  const actionsOf = async (region: string): Promise<string[]> =>
    (await db(region).selectFrom('audit_log').select('action').orderBy('seq').execute()).map(
      (r) => r.action,
    );

  beforeAll(async () => {
    if (skip) return;
    if (dialect === 'postgres')
      for (const region of ['us', 'eu', 'cn'])
        databases.set(region, await createTestPostgresDatabase(`domicile_audit_e2e_${region}`));
    deployment = await startE2eDeployment({
      ...(dialect === 'postgres'
        ? { databaseUrl: (region: string) => databases.get(region)?.connectionString ?? '' }
        : {}),
      regionOutbox: { pollIntervalMs: 100, backoffMs: 100, maxBackoffMs: 400, timeoutMs: 2_000 },
    });
    wallet = await registeredWallet(deployment, 'us', 'audit');
  });
  afterAll(async () => {
    await secondNode?.close();
    await deployment?.cleanup();
    for (const database of databases.values()) await database.drop();
  });

  const newWallet = (name: string): Promise<Wallet> =>
    Wallet.create({
      path: join(deployment.dir, `${name}.wallet`),
      passphrase: PASSPHRASE,
      authorityKey: deployment.authorityKey,
      bootstrapUrl: deployment.baseUrl('us'),
      homeRegion: 'us',
    });

  async function joinAndRemoveDevices(): Promise<void> {
    const accountId = wallet.account?.accountId ?? '';
    const watch = await newWallet('audit-watch');
    const asked = await watch.requestJoin({ accountId, method: 'approval' });
    await wallet.decideJoin({ joinRequestId: asked.id, code: asked.code ?? '' });
    await watch.completeJoin({ timeoutMs: 5_000 });
    const tablet = await newWallet('audit-tablet');
    const refused = await tablet.requestJoin({ accountId, method: 'approval' });
    await wallet.decideJoin({ joinRequestId: refused.id, refuse: true });
    const ring = await newWallet('audit-ring');
    const byCode = await ring.requestJoin({ accountId, method: 'code' });
    const code = await new SandboxOutboxClient({
      baseUrl: deployment.baseUrl('us'),
    }).waitForJoinCode({ joinRequestId: byCode.id });
    await expect(
      ring.completeJoin({ code: String((Number(code) + 1) % 1_000_000).padStart(6, '0') }),
    ).rejects.toMatchObject({ code: 'JOIN_CODE_INVALID' });
    await ring.completeJoin({ code });
    await wallet.removeDevice(watch.account?.deviceId ?? '');
    await vi.waitFor(
      async () =>
        expect(
          await db('us')
            .selectFrom('audit_log')
            .select('action')
            .where('action', '=', 'device.removed.confirmed')
            .execute(),
        ).toHaveLength(1),
      { timeout: 15_000, interval: 100 },
    );
  }

  it.skipIf(skip)('writes a row for every action of AUDIT_ACTIONS, and only those', async () => {
    // Home card, then a card of cn through a redirect with ID&V and one wrong code.
    const home = await wallet.addCard(cardInput(testCard('us', 'green')), userHooks());
    const foreign = await wallet.addCard(cardInput(testCard('cn', 'yellow')), oneWrongCode());
    expect([home.state, foreign.state]).toEqual(['active', 'active']);
    // A card pushed from the issuer's app: yellow, yet no ID&V asked.
    const pusher = deployment.sandboxIssuer('us');
    const { payload } = await makePushPayload({
      issuerId: pusher.issuerId,
      issuerKey: pusher.privateJwk,
      directory: await verifyDirectory(
        deployment.directoryJws,
        await readAuthorityPublicKey(paths.authorityPublic(deployment.dir)),
      ),
      card: cardInput(testCard('us', 'yellow')),
      network: testCard('us', 'yellow').network,
      deviceJkt: wallet.deviceJkt,
    });
    expect((await wallet.addCard({ pushPayload: payload }, userHooks())).state).toBe('active');
    // Lifecycle by the device, then an issuer suspension over the device's (taken over).
    await wallet.suspendCard(home.tokenRef);
    const key = deployment.sandboxIssuer('us');
    const issuer = new IssuerApiClient({
      issuerId: key.issuerId,
      key: key.privateJwk,
      baseUrl: deployment.baseUrl('us'),
      region: 'us',
    });
    await issuer.changeState(home.tokenRef, 'suspend', 'fraud_suspected');
    await issuer.changeState(home.tokenRef, 'resume', 'fraud_cleared');
    await wallet.resumeCard(home.tokenRef);
    expect(
      (
        await cli(
          'issuer',
          'art',
          '--key-file',
          sandboxIssuerKeyFile(deployment.dir, 'us'),
          '--url',
          deployment.baseUrl('us'),
          '--product',
          'us-liberty-visa',
          '--background',
          '#0b3d91',
          '--foreground',
          '#ffd700',
          '--label',
          'Liberty Visa Signature',
        )
      ).code,
    ).toBe(0);
    // The issuer reissues the card behind the token (the renewed sandbox card).
    const reissuer = new IssuerApiClient({
      issuerId: key.issuerId,
      key: key.privateJwk,
      baseUrl: deployment.baseUrl('us'),
      region: 'us',
      authorityKey: deployment.authorityKey,
    });
    const renewed = TEST_CARDS.find((c) => c.pan === '4111110000002019');
    if (renewed === undefined) throw new Error('no renewed test card');
    await reissuer.reissue(home.tokenRef, {
      pan: renewed.pan,
      expiry: renewed.expiry,
      name: renewed.name,
    });
    await wallet.deleteCard(home.tokenRef);
    // A refused request: no DPoP proof.
    const refused = await fetch(`${deployment.baseUrl('us')}/v1/provisioning`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    // Several devices: a watch joins by approval, a tablet is refused, a ring joins by code after
    // one wrong code; the watch is removed (cn is told, and confirms).
    await joinAndRemoveDevices();
    // The operator reports the device lost; cn suspends and confirms.
    const support = new SupportClient({
      baseUrl: deployment.baseUrl('us'),
      operatorToken: deployment.operatorToken,
    });
    // The operator lists the device's tokens in every region first: cn answers a signed look-up.
    expect((await support.deviceTokens(wallet.account?.deviceId ?? '')).complete).toBe(true);
    const report = await support.reportLost(wallet.account?.deviceId ?? '');
    await vi.waitFor(
      async () => expect((await support.lostReport(report.reportId)).complete).toBe(true),
      { timeout: 15_000, interval: 100 },
    );
    // A key rotation, as `domicile keys rotate` records it given the region's database.
    await recordKeyRotation(db('us'), {
      purpose: 'signing',
      kid: 'us-signing-2',
      previousKid: 'us-signing-1',
      actor: 'operator:cli',
      at: new Date(),
    });

    // The operator console: a refused sign-in, a sign-in and a sign-out.
    const consoleUrl = `${deployment.baseUrl('us')}/console`;
    const form = (fields: Record<string, string>, cookie = '') => ({
      method: 'POST',
      redirect: 'manual' as const,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams(fields).toString(),
    });
    expect(
      (await fetch(`${consoleUrl}/sign-in`, form({ token: 'not-an-operator-token' }))).status,
    ).toBe(401);
    const signedIn = await fetch(
      `${consoleUrl}/sign-in`,
      form({ token: deployment.operatorToken }),
    );
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const lostPage = await (
      await fetch(`${consoleUrl}/lost-devices`, { headers: { cookie } })
    ).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(lostPage)?.[1] ?? '';
    expect((await fetch(`${consoleUrl}/sign-out`, form({ csrf }, cookie))).status).toBe(200);

    const written = new Set([...(await actionsOf('us')), ...(await actionsOf('cn'))]);
    expect([...written].sort()).toEqual(Object.keys(AUDIT_ACTIONS).sort());
    expect(await actionsOf('cn')).toEqual(
      expect.arrayContaining([
        'redirect.accepted',
        'session.opened',
        'eligibility.decided',
        'terms.accepted',
        'card.received',
        'idv.code_sent',
        'idv.failed',
        'idv.verified',
        'credential.tokenized',
        'credential.activated',
        'device.tokens_queried',
        'device.lost.received',
        'device.removed.received',
      ]),
    );
    const refusal = await db('us')
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'request.refused')
      // The first refusal: on PostgreSQL rows come back in no set order without one.
      .orderBy('seq')
      .executeTakeFirstOrThrow();
    expect([refusal.actor, refusal.subject, JSON.parse(refusal.detail)]).toEqual([
      'anonymous',
      '/v1/provisioning',
      { code: 'DPOP_REQUIRED', status: 401, method: 'POST' },
    ]);
    const changes = await db('us')
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('subject', '=', home.tokenRef)
      .orderBy('seq')
      .execute();
    // Who made each change: the issuer's suspension took over the device's, and its resume
    // lifted both, so the device's own resume changed nothing (and wrote nothing).
    expect(changes.map((c) => `${c.actor.split(':')[0] ?? ''} ${c.action}`)).toEqual([
      'device credential.tokenized',
      'device credential.activated',
      'device credential.suspend',
      'issuer issuer.call',
      'issuer credential.suspension_taken_over',
      'issuer issuer.call',
      'issuer credential.resume',
      'issuer issuer.call',
      'issuer credential.reissued',
      'device credential.delete',
    ]);
  });

  it.skipIf(skip)('holds no card number, CVV, one-time code or key in any audit row', async () => {
    const secrets = TEST_CARDS.flatMap((c) => [c.pan, c.pan.slice(0, 12)]);
    for (const region of ['us', 'eu', 'cn']) {
      const keys = await readRegionKeys(deployment.dir, region);
      const rows = await db(region).selectFrom('audit_log').selectAll().execute();
      const text = JSON.stringify(rows);
      for (const secret of [
        ...secrets,
        ...[...keys.signing, ...keys.encryption].flatMap((k) => k.d ?? []),
        ...(keys.secrets.vaultKek === undefined ? [] : [keys.secrets.vaultKek]),
      ])
        expect(text.includes(secret), region).toBe(false);
      // Codes are six digits: none appears as a value anywhere in an audit row.
      expect(text, region).not.toMatch(/"\d{6}"/);
    }
  });

  it.skipIf(skip)(
    'verifies every region’s chain and checkpoints, in the library and the CLI',
    async () => {
      const directory = await verifyDirectory(
        deployment.directoryJws,
        await readAuthorityPublicKey(paths.authorityPublic(deployment.dir)),
      );
      for (const region of ['us', 'eu', 'cn']) {
        const status = await verifyAuditChain({
          db: db(region),
          region,
          signingKeys: auditSigningKeysOf(directory, region),
        });
        expect(status, region).toMatchObject({ ok: true });
        const run = await cli(
          'audit',
          'verify',
          '--region',
          region,
          '--db',
          deployment.databaseUrl(region),
          '--dir',
          deployment.dir,
          '--json',
        );
        expect(run.code, region).toBe(0);
        expect(JSON.parse(run.out[0] ?? '{}')).toMatchObject({
          region,
          ok: true,
          rows: status.rows,
        });
      }
    },
  );

  it.skipIf(skip || dialect === 'sqlite')(
    'keeps one chain with two nodes of us on one database answering at once',
    async () => {
      secondNode = await startRegion({
        region: 'us',
        directoryJws: deployment.directoryJws,
        authorityKey: await readAuthorityPublicKey(paths.authorityPublic(deployment.dir)),
        keys: await readRegionKeys(deployment.dir, 'us'),
        databaseUrl: deployment.databaseUrl('us'),
        issuer: { kind: 'sandbox' },
        port: 0,
        logLevel: 'silent',
      });
      const before = (await actionsOf('us')).length;
      const nodes = [deployment.baseUrl('us'), secondNode.url];
      const register = async (url: string): Promise<number> => {
        const device = await createTestDevice();
        const res = await fetch(`${url}/v1/accounts`, {
          method: 'POST',
          // The proof names the directory's URL of us: both nodes serve that one address.
          headers: await device.headers('POST', `${deployment.baseUrl('us')}/v1/accounts`),
          body: JSON.stringify({
            name: 'Node Test',
            email: 'node@example.com',
            device: { encryptionKey: device.encryption.publicJwk },
          }),
        });
        return res.status;
      };
      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const url = nodes[i % 2] ?? '';
          return i % 4 < 2
            ? register(url)
            : fetch(`${url}/v1/provisioning`, { method: 'POST', body: '{}' }).then((r) => r.status);
        }),
      );
      expect(statuses.filter((s) => s === 201)).toHaveLength(20);
      const seqs = (
        await db('us').selectFrom('audit_log').select('seq').orderBy('seq').execute()
      ).map((r) => r.seq);
      expect(seqs).toHaveLength(before + 40);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      const run = await cli(
        'audit',
        'verify',
        '--region',
        'us',
        '--db',
        deployment.databaseUrl('us'),
        '--dir',
        deployment.dir,
      );
      expect(run).toMatchObject({
        code: 0,
        out: [expect.stringMatching(/^audit chain of us: ok/)],
      });
    },
  );

  it.skipIf(skip)('exports the rows after a seq as JSON lines a SIEM can chain-check', async () => {
    const out = join(deployment.dir, 'cn-audit.jsonl');
    const run = await cli(
      'audit',
      'export',
      '--region',
      'cn',
      '--db',
      deployment.databaseUrl('cn'),
      '--since',
      '2',
      '--out',
      out,
    );
    expect(run.code).toBe(0);
    const lines = (await readFile(out, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ExportedAuditRow);
    const rows = await db('cn')
      .selectFrom('audit_log')
      .select('seq')
      .where('seq', '>', 2)
      .execute();
    expect(lines.map((l) => l.seq)).toEqual(
      rows.map((r) => r.seq).sort((a, b) => Number(a) - Number(b)),
    );
    expect(lines[0]).toMatchObject({ region: 'cn', seq: 3, action: expect.any(String) as string });
    for (const [i, line] of lines.entries()) {
      const { seq, at, actor, action, subject, detail } = line;
      expect(line.hash).toBe(
        auditRowHash(line.prevHash, { seq, at, actor, action, subject, detail }),
      );
      if (i > 0) expect(line.prevHash).toBe(lines[i - 1]?.hash);
    }
    const stdout = await cli(
      'audit',
      'export',
      '--region',
      'cn',
      '--db',
      deployment.databaseUrl('cn'),
    );
    expect(stdout.out.filter((line) => line !== '')).toHaveLength(lines.length + 2);
  });

  it.skipIf(skip)('names the first row that fails once a row is edited, and exits 1', async () => {
    await db('cn')
      .updateTable('audit_log')
      .set({ actor: 'device:someone-else' })
      .where('seq', '=', 3)
      .execute();
    const run = await cli(
      'audit',
      'verify',
      '--region',
      'cn',
      '--db',
      deployment.databaseUrl('cn'),
      '--dir',
      deployment.dir,
    );
    expect(run.code).toBe(1);
    expect(run.out[0]).toMatch(/^audit chain of cn: FAILS at row seq 3 \(id \d+\): hash_mismatch$/);
  });
});
