import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddCardHooks, Wallet } from '@domicile/device';
import {
  DomicileError,
  api,
  generateKeyPairJwk,
  jwkThumbprint,
  makePushPayload,
  signJson,
  verifyDirectory,
  type Directory,
} from '@domicile/protocol';
import {
  auditResidency,
  createProgram,
  memoryIo,
  sandboxIssuerKeyFile,
  type LocalDeployment,
} from '@domicile/cli';
import { TEST_CARDS, type RegionContext, type TestCard } from '@domicile/region';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@domicile/region/testing';
import {
  PASSPHRASE,
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
} from './testing/e2e-deployment.js';

/**
 * Cards pushed from the issuer's app (docs/protocol.md), on real regions on loopback, on SQLite
 * files and on PostgreSQL: a redirected card and a home card added from their issuers' push
 * payloads with no one-time code, the home region never given a foreign payload to read, and
 * replayed, expired, tampered, wrong-region, wrong-issuer and wrong-device payloads refused by
 * the owning region, each with its own code.
 */
const engines = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

/** The user accepts the terms; any ID&V question fails the test: a pushed card asks none. */
const noCodeHooks: AddCardHooks = {
  acceptTerms: () => Promise.resolve(true),
  chooseIdvMethod: () => Promise.reject(new Error('a pushed card asked for ID&V')),
  readOtp: () => Promise.reject(new Error('a pushed card asked for a one-time code')),
};

async function cli(...args: string[]): Promise<string[]> {
  const { io, stdout } = memoryIo();
  await createProgram(io).parseAsync(args, { from: 'user' });
  return stdout();
}

const codeOf = (work: Promise<unknown>): Promise<unknown> =>
  work.then(
    () => 'added',
    (e: unknown) => (e instanceof DomicileError ? e.code : e),
  );

describe.each(engines)("cards pushed from the issuer's app, regions on %s", (engine) => {
  const databases = new Map<string, TestPostgresDatabase>();
  let deployment: LocalDeployment & { cleanup(): Promise<void> };
  let directory: Directory;
  let wallet: Wallet;
  /** The payloads that added a card: each is spent. */
  const spent = new Map<'home' | 'redirected', string>();
  const context = (region: string): RegionContext => {
    const running = deployment.regions.get(region);
    if (running === undefined) throw new Error(`${region} is not running`);
    return running.context;
  };
  const pushPayload = async (
    card: TestCard,
    o: { signer?: string; now?: Date; deviceJkt?: string } = {},
  ): Promise<string> => {
    const issuer = deployment.sandboxIssuer(o.signer ?? card.region);
    return (
      await makePushPayload({
        issuerId: issuer.issuerId,
        issuerKey: issuer.privateJwk,
        directory,
        card: cardInput(card),
        network: card.network,
        deviceJkt: o.deviceJkt ?? wallet.deviceJkt,
        ...(o.now === undefined ? {} : { now: o.now }),
      })
    ).payload;
  };
  const auditActions = async (region: string): Promise<string[]> =>
    (await context(region).db.selectFrom('audit_log').select('action').execute()).map(
      (r) => r.action,
    );

  beforeAll(async () => {
    if (engine === 'postgres')
      for (const region of ['us', 'eu', 'cn'])
        databases.set(region, await createTestPostgresDatabase(`domicile_push_${region}`));
    deployment = await startE2eDeployment(
      engine === 'postgres'
        ? { databaseUrl: (region) => databases.get(region)?.connectionString ?? '' }
        : {},
    );
    directory = await verifyDirectory(deployment.directoryJws, deployment.authorityKey);
    wallet = await registeredWallet(deployment, 'us', 'push');
  }, 120_000);

  afterAll(async () => {
    await deployment?.cleanup();
    for (const db of databases.values()) await db.drop();
  });

  it('adds a redirected card from the CLI: issuer push-payload, then device add-card --push-payload, no code', async () => {
    const card = testCard('eu', 'yellow');
    const cardFile = join(deployment.dir, 'eu-card.json');
    await writeFile(cardFile, JSON.stringify({ ...cardInput(card), expiry: '12/30' }), {
      mode: 0o600,
    });
    const payloadFile = join(deployment.dir, 'eu-card.push');
    const made = JSON.parse(
      (
        await cli(
          'issuer',
          'push-payload',
          '--key-file',
          sandboxIssuerKeyFile(deployment.dir, 'eu'),
          '--card',
          cardFile,
          '--account',
          wallet.deviceJkt,
          '--dir',
          deployment.dir,
          '--out',
          payloadFile,
          '--json',
        )
      )[0] ?? '{}',
    ) as { region: string; last4: string; issuer: string };
    expect(made).toMatchObject({ region: 'eu', last4: card.pan.slice(-4), issuer: 'sandbox-eu' });
    // Opaque to the wallet: the card is inside a JWE only the owning region can open.
    const payload = (await readFile(payloadFile, 'utf8')).trim();
    expect(payload).not.toContain(card.pan);
    expect(JSON.stringify(decodeJwt(payload))).not.toContain(card.pan);

    const passphraseFile = join(deployment.dir, 'passphrase.txt');
    await writeFile(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    const { io, stdout, stderr } = memoryIo();
    await createProgram(io).parseAsync(
      [
        'device',
        'add-card',
        '--wallet',
        wallet.path,
        '--passphrase-file',
        passphraseFile,
        '--push-payload',
        payloadFile,
        '--accept-terms',
        '--json',
      ],
      { from: 'user' },
    );
    const steps = stderr().map((l) => (JSON.parse(l) as { step: string }).step);
    expect(steps).toEqual(
      expect.arrayContaining(['message', 'redirect', 'push-payload', 'active']),
    );
    expect(steps).not.toContain('idv');
    expect(steps).not.toContain('card-details');
    expect(JSON.parse(stdout()[0] ?? '{}')).toMatchObject({
      region: 'eu',
      last4: card.pan.slice(-4),
      state: 'active',
    });
    spent.set('redirected', payload);
    // The owning region says why it asked no code; the home region routed the message and never
    // received the payload.
    expect(await auditActions('eu')).toEqual(
      expect.arrayContaining(['card.pushed', 'idv.skipped']),
    );
    expect(await auditActions('us')).toEqual(expect.arrayContaining(['redirect.issued']));
    expect(await auditActions('us')).not.toContain('card.pushed');
    deployment.regions.get('us')?.flushLogs();
    const usLog = await readFile(deployment.logFile('us'), 'utf8');
    expect(usLog).not.toContain(payload.split('.')[1] ?? payload);
    expect(usLog).toContain('/v1/provisioning');
  }, 120_000);

  it('adds a home card from the SDK, yellow yet asked no code', async () => {
    const card = testCard('us', 'yellow');
    const payload = await pushPayload(card);
    expect(await wallet.addCard({ pushPayload: payload }, noCodeHooks)).toMatchObject({
      region: 'us',
      last4: card.pan.slice(-4),
      state: 'active',
    });
    spent.set('home', payload);
    expect(await auditActions('us')).toEqual(
      expect.arrayContaining(['card.pushed', 'idv.skipped']),
    );
  }, 120_000);

  describe.each([
    ['home', 'us', 'eu'],
    ['redirected', 'eu', 'us'],
  ] as const)('refusals, %s card', (where, region, elsewhere) => {
    const card = TEST_CARDS.find((c) => c.region === region && c.outcome === 'green');
    if (card === undefined) throw new Error(`no green ${region} card`);
    const add = (pushed: string | Promise<string>): Promise<unknown> =>
      codeOf(Promise.resolve(pushed).then((p) => wallet.addCard({ pushPayload: p }, noCodeHooks)));

    it('refuses a replayed payload', async () => {
      expect(await add(spent.get(where) ?? '')).toBe('PUSH_PAYLOAD_REPLAYED');
    });

    it('refuses an expired payload', async () => {
      const old = new Date(Date.now() - (api.PUSH_PAYLOAD_LIFETIME_SECONDS + 60) * 1000);
      expect(await add(pushPayload(card, { now: old }))).toBe('PUSH_PAYLOAD_EXPIRED');
    });

    it('refuses a tampered payload', async () => {
      const payload = await pushPayload(card);
      const [header, , signature] = payload.split('.');
      const claims = decodeJwt(payload) as api.PushPayloadClaims;
      const longer = { ...claims, exp: claims.exp + 3_600 };
      const forged = `${header}.${Buffer.from(JSON.stringify(longer)).toString('base64url')}.${signature}`;
      expect(await add(forged)).toBe('PUSH_PAYLOAD_INVALID');
    });

    it('refuses a payload made for another region', async () => {
      const claims = decodeJwt(await pushPayload(card)) as api.PushPayloadClaims;
      const key = deployment.sandboxIssuer(region).privateJwk;
      const wrong = await signJson({ ...claims, aud: elsewhere }, key, api.PUSH_PAYLOAD_TYP);
      expect(await add(wrong)).toBe('PUSH_PAYLOAD_WRONG_REGION');
    });

    it("refuses a payload signed by another region's issuer", async () => {
      expect(await add(pushPayload(card, { signer: elsewhere }))).toBe('PUSH_PAYLOAD_WRONG_ISSUER');
    });

    it("refuses a payload made for another wallet's device key", async () => {
      const other = await jwkThumbprint((await generateKeyPairJwk('sig')).publicJwk);
      expect(await add(pushPayload(card, { deviceJkt: other }))).toBe('PUSH_PAYLOAD_WRONG_DEVICE');
    });
  });

  it('leaves no card number in clear in any region, log or the wallet file', async () => {
    for (const region of deployment.regions.values()) region.flushLogs();
    const report = await auditResidency(
      deployment,
      TEST_CARDS.map((c) => c.pan),
      [wallet.path],
    );
    // What was found, if anything, masked to its last four: the failure says where and why.
    expect({ findings: report.findings, problems: report.problems }).toEqual({
      findings: [],
      problems: [],
    });
    expect(report.clean).toBe(true);
  }, 120_000);
});
