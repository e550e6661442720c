import { randomBytes, randomInt } from 'node:crypto';
import { vi } from 'vitest';
import {
  api,
  buildDirectoryDocument,
  buildIssuerApplicationData,
  cardArqc,
  cvn18DataOf,
  generateKeyPairJwk,
  iccMasterKey,
  parseRegionsConfig,
  signDirectory,
  signJson,
  terminalElements,
  withLuhnCheckDigit,
  type KeyPairJwk,
} from '@domicile/protocol';
import { newId } from '../ids/index.js';
import type { IssuerConfig, TrustedIssuerConfig } from '../config/index.js';
import { SANDBOX_PRODUCTS, TEST_CARDS } from '../issuer/index.js';
import { generateRegionKeySet, publicKeysOf, type RegionKeySet } from '../keys/index.js';
import { createRegion, type Region } from '../region-server.js';
import type { CredentialRow } from '../storage/index.js';
import {
  FIXTURE_REGIONS_YAML,
  createTestDevice,
  type TestDevice,
} from '../testing/region-fixture.js';

export const US = 'http://127.0.0.1:17101';
export const NETWORK = 'test-net';

/** The sample regions plus a card network, whose router key the tests sign with. */
export interface PaymentsFixture {
  readonly network: KeyPairJwk;
  readonly keys: ReadonlyMap<string, RegionKeySet>;
  region(
    id: string,
    options?: {
      issuer?: IssuerConfig;
      databaseUrl?: string;
      issuers?: readonly TrustedIssuerConfig[];
    },
  ): Promise<Region>;
}

export async function createPaymentsFixture(): Promise<PaymentsFixture> {
  const config = {
    ...parseRegionsConfig(FIXTURE_REGIONS_YAML),
    networks: [{ id: NETWORK, name: 'Test Network' }],
  };
  const keys = new Map<string, RegionKeySet>();
  for (const r of config.regions) keys.set(r.id, await generateRegionKeySet(r.id));
  const [authority, network] = await Promise.all([
    generateKeyPairJwk('sig'),
    generateKeyPairJwk('sig'),
  ]);
  const doc = buildDirectoryDocument(
    config,
    new Map([...keys].map(([id, k]) => [id, publicKeysOf(k)])),
    {
      serial: 1,
      networkKeys: new Map([[NETWORK, network.publicJwk]]),
    },
  );
  const directoryJws = await signDirectory(doc, authority.privateJwk);
  return {
    network,
    keys,
    region: (id, options = {}) =>
      createRegion({
        region: id,
        directoryJws,
        authorityKey: authority.publicJwk,
        keys: keys.get(id) as RegionKeySet,
        databaseUrl: options.databaseUrl ?? 'sqlite::memory:',
        issuer: options.issuer ?? { kind: 'sandbox' },
        logLevel: 'silent',
        tsmPollMs: 60_000,
        // Webhooks stay queued: tests read the rows, no worker delivers them meanwhile.
        ...(options.issuers === undefined
          ? {}
          : { issuers: options.issuers, webhooks: { pollMs: 600_000 } }),
      }),
  };
}

/** A token as the device's applet holds it: what the tests make cryptograms with. */
export interface SeededToken {
  readonly credential: CredentialRow;
  readonly iccMasterKey: Buffer;
  readonly device: TestDevice;
}

/**
 * Provisions a sandbox test card the short way: a device registered over the API, then the
 * session, vault record and credential written as tokenization writes them.
 */
export async function seedToken(
  region: Region,
  pan: string,
  overrides: Partial<CredentialRow> = {},
): Promise<SeededToken> {
  const card = TEST_CARDS.find((c) => c.pan === pan);
  if (card?.productId === undefined) throw new Error('not a provisionable test card');
  const device = await createTestDevice();
  const { db, vault, keys, self } = region.context;
  const registered = await region.app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: await device.headers('POST', `${self.baseUrl}/v1/accounts`),
    payload: {
      name: 'Pay Tester',
      email: 'pay@example.com',
      device: { encryptionKey: device.encryption.publicJwk },
    },
  });
  const { accountId, deviceId } = registered.json<{ accountId: string; deviceId: string }>();
  const now = new Date().toISOString();
  const sealed = await vault.seal({ pan: card.pan, expiry: card.expiry, name: card.name });
  await vault.insert(db, sealed);
  const sessionId = newId();
  await db
    .insertInto('provisioning_sessions')
    .values({
      id: sessionId,
      account_id: accountId,
      device_id: deviceId,
      state: 'tokenized',
      routing_prefix: pan.slice(0, 8),
      last4: pan.slice(-4),
      network: card.network,
      decision: 'green',
      reason: null,
      product: JSON.stringify(SANDBOX_PRODUCTS.get(card.productId)),
      terms_id: null,
      terms_hash: null,
      terms_accepted_at: null,
      vault_record_id: sealed.id,
      idv_methods: null,
      idv_method: null,
      idv_code_hash: null,
      idv_expires_at: null,
      idv_tries_left: 0,
      credential_id: null,
      expires_at: now,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const tokenNumber = withLuhnCheckDigit(
    `${self.tokenRanges[0]?.from ?? ''}${String(randomInt(1e9)).padStart(9, '0')}`,
  );
  const credential: CredentialRow = {
    id: newId(),
    token_ref: newId(),
    token_number: tokenNumber,
    token_expiry: '12/2099',
    account_id: accountId,
    device_id: deviceId,
    session_id: sessionId,
    vault_record_id: sealed.id,
    pan_hash: sealed.pan_hash,
    last4: pan.slice(-4),
    network: card.network,
    state: 'active',
    psn: '00',
    atc_last: 0,
    art_asset_id: newId(),
    script_id: null,
    created_at: now,
    updated_at: now,
    last_used_at: null,
    ...overrides,
  };
  await db.insertInto('credentials').values(credential).execute();
  const imk = Buffer.from(keys.secrets.issuerMasterKey, 'hex');
  return {
    credential,
    device,
    iccMasterKey: iccMasterKey({ imk, pan: credential.token_number, psn: credential.psn }),
  };
}

/** What a test may vary in a payment. */
export interface PaymentOptions {
  readonly atc: number;
  readonly amountMinor?: number;
  readonly channel?: api.AuthorizationChannel;
  /** The channel the card writes into its IAD; by default the same as `channel`. */
  readonly cardChannel?: api.AuthorizationChannel;
}

/** An authorization request with a genuine ARQC, made from the ICC master key as the applet makes it. */
export function paymentRequest(
  token: SeededToken,
  options: PaymentOptions,
): api.AuthorizationRequest {
  const channel = options.channel ?? 'in_store';
  const emv = {
    ...terminalElements({
      amountMinor: options.amountMinor ?? 2_500,
      currency: '840',
      country: '840',
      date: '2025-06-01',
      unpredictableNumber: randomBytes(4).toString('hex'),
    }),
    '82': '1800',
    '9F36': options.atc.toString(16).padStart(4, '0').toUpperCase(),
    '9F10': buildIssuerApplicationData(options.cardChannel ?? channel),
  };
  const [month, year] = token.credential.token_expiry.split('/').map(Number);
  const cryptogram = cardArqc({
    iccMasterKey: token.iccMasterKey,
    atc: options.atc,
    data: cvn18DataOf(emv),
  })
    .toString('hex')
    .toUpperCase();
  return {
    tokenNumber: token.credential.token_number,
    tokenExpiry: { month: month ?? 12, year: year ?? 2099 },
    panSequenceNumber: token.credential.psn,
    cvn: 18,
    arqc: cryptogram,
    emv,
    channel,
    merchant: { id: 'shop-1', name: 'Corner Shop' },
  };
}

/** The router's signed request for `aud`, as `createNetworkRouter` makes it. */
export function signAuthorization(
  network: KeyPairJwk,
  request: unknown,
  claims: Partial<api.NetworkAuthorizationClaims> = {},
): Promise<string> {
  return signJson(
    {
      iss: NETWORK,
      aud: 'us',
      iat: Math.floor(Date.now() / 1000),
      jti: randomBytes(18).toString('base64url'),
      request,
      ...claims,
    },
    network.privateJwk,
    api.AUTHORIZATION_TYP,
  );
}

/** What N racing requests with one ATC came to: each answer's reason, and who was asked. */
export interface AtcRace {
  readonly reasons: readonly string[];
  readonly issuerCalls: number;
  readonly vaultOpens: number;
  readonly rows: readonly { approved: number }[];
  readonly atcLast: number;
}

/**
 * Sends `amounts.length` genuine requests with the same ATC at once, counting the issuer's
 * authorize calls and the vault's de-tokenizations while they run. A request that reaches the
 * vault waits there until every other request has reached it too or been answered: without that
 * gate one request could run to the end before the next one starts, and a check-then-act race
 * would go unseen.
 */
export async function raceSameAtc(
  fixture: PaymentsFixture,
  region: Region,
  token: SeededToken,
  options: { atc: number; amounts: readonly number[] },
): Promise<AtcRace> {
  const { issuer, vault, db } = region.context;
  let inVault = 0;
  let answered = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    if (inVault + answered >= options.amounts.length) for (const wake of waiting.splice(0)) wake();
  };
  const realOpen = vault.openRecord.bind(vault);
  const authorize = vi.spyOn(issuer, 'authorize');
  const open = vi.spyOn(vault, 'openRecord').mockImplementation(async (row) => {
    inVault += 1;
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      release();
    });
    return realOpen(row);
  });
  try {
    const authorizations = await Promise.all(
      options.amounts.map((amountMinor) =>
        signAuthorization(
          fixture.network,
          paymentRequest(token, { atc: options.atc, amountMinor }),
        ),
      ),
    );
    const answers = await Promise.all(
      authorizations.map(async (authorization) => {
        const res = await region.app.inject({
          method: 'POST',
          url: '/v1/authorizations',
          payload: { authorization },
        });
        answered += 1;
        release();
        return res.json<{ reason: string }>();
      }),
    );
    const rows = await db
      .selectFrom('transactions')
      .select(['approved', 'amount_minor'])
      .where('credential_id', '=', token.credential.id)
      .where('atc', '=', options.atc)
      .execute();
    const { atc_last } = await db
      .selectFrom('credentials')
      .select('atc_last')
      .where('id', '=', token.credential.id)
      .executeTakeFirstOrThrow();
    return {
      reasons: answers.map((a) => a.reason).sort(),
      issuerCalls: authorize.mock.calls.length,
      vaultOpens: open.mock.calls.length,
      rows,
      atcLast: atc_last,
    };
  } finally {
    authorize.mockRestore();
    open.mockRestore();
  }
}
