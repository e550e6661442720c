import { Value } from '@sinclair/typebox/value';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  TYP,
  api,
  cvn18DataOf,
  iccMasterKey,
  parseIssuerApplicationData,
  signJson,
  transactionFacts,
  verifyArqc,
} from '@domicile/protocol';
import { appletFor, authorizationRequestFor } from './payment.js';
import { SecureElement } from './secure-element/index.js';
import { makeProvisioningData, samplePayload } from './testing/provisioning-data.js';
import { makeTestDirectory, regionKeys, type TestDirectory } from './testing/test-directory.js';
import { thrown } from './testing/thrown.js';
import {
  CARDS,
  PASSPHRASE,
  makeWalletFixture,
  type WalletFixture,
} from './testing/wallet-fixture.js';
import { Wallet } from './wallet.js';

const IMK = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
const TOKEN = '4892001234567891';
const EXPECT = {
  region: 'cn',
  sessionId: 'ses_0123456789',
  tokenRef: 'tok_0123456789',
  last4: '0005',
  network: 'unionpay',
} as const;
const PAY = {
  card: '0005',
  amountMinor: 1234,
  currency: 'CNY',
  country: 'CN',
  date: '2025-05-04',
  unpredictableNumber: '0A0B0C0D',
};

let dir: TestDirectory;
beforeAll(async () => {
  dir = await makeTestDirectory();
});

/** A secure element with one applet whose ICC master key the issuer side can re-derive from IMK. */
async function secureElement(active = true): Promise<SecureElement> {
  const se = await SecureElement.create();
  const mk = iccMasterKey({ imk: IMK, pan: TOKEN, psn: '01' }).toString('hex').toUpperCase();
  const data = await makeProvisioningData(
    samplePayload({ deviceJkt: se.deviceJkt, iccMasterKey: mk, atcStart: 9 }),
    regionKeys(dir, 'cn').signing.privateJwk,
    se.encryptionPublicKey,
  );
  const applet = await se.installCredential(data, regionKeys(dir, 'cn').signing.publicJwk, EXPECT);
  if (active) {
    const content: api.PersonalizationScript = {
      scriptId: 'scr_0123456789',
      tokenRef: EXPECT.tokenRef,
      region: 'cn',
      issuedAt: 1,
      artwork: { assetId: 'art_0123456789', sha256: 'a'.repeat(64) },
      issuer: { name: 'Bank', phone: '+86', email: 'help@bank.test', website: 'https://bank.test' },
      termsUrl: 'https://bank.test/terms',
      commands: [{ op: 'ACTIVATE' }],
    };
    applet.storeScript(
      await signJson(content, regionKeys(dir, 'cn').tsm.privateJwk, TYP.personalizationScript),
      content,
    );
    applet.activate();
  }
  return se;
}

describe('paying with an applet', () => {
  it('makes an authorization request whose ARQC the issuer verifies from its IMK, one ATC per payment', async () => {
    const se = await secureElement();
    const first = authorizationRequestFor(se, PAY);
    const second = authorizationRequestFor(se, {
      ...PAY,
      channel: 'in_app',
      merchant: { id: 'app-7', name: 'Tea App' },
    });
    for (const [request, atc] of [
      [first, 10],
      [second, 11],
    ] as const) {
      expect(Value.Check(api.AuthorizationRequest, request)).toBe(true);
      expect(request).toMatchObject({
        tokenNumber: TOKEN,
        panSequenceNumber: '01',
        tokenExpiry: { month: 12, year: 2030 },
      });
      expect(transactionFacts(request.emv)).toMatchObject({
        amountMinor: 1234,
        currency: '156',
        country: '156',
        date: '2025-05-04',
        atc,
      });
      const issuerSide = {
        imk: IMK,
        pan: TOKEN,
        psn: '01',
        cvn: 18 as const,
        atc,
        data: cvn18DataOf(request.emv),
        arqc: Buffer.from(request.arqc, 'hex'),
      };
      expect(verifyArqc(issuerSide)).toBe(true);
      expect(
        verifyArqc({
          ...issuerSide,
          data: cvn18DataOf({ ...request.emv, '9F02': '000000001235' }),
        }),
      ).toBe(false);
    }
    expect(parseIssuerApplicationData(first.emv['9F10'])?.channel).toBe('in_store');
    expect(second).toMatchObject({ channel: 'in_app', merchant: { name: 'Tea App' } });
    expect(parseIssuerApplicationData(second.emv['9F10'])?.channel).toBe('in_app');
  });

  it('refuses to pay with an applet that is not active, and spends no ATC', async () => {
    const se = await secureElement(false);
    expect(thrown(() => authorizationRequestFor(se, PAY))).toMatchObject({
      code: 'CREDENTIAL_NOT_ACTIVE',
    });
    expect(se.applet(EXPECT.tokenRef)?.exportState().atc).toBe(9);
  });

  it('finds the card by token reference or last 4 digits, and refuses bad input by field', async () => {
    const se = await secureElement();
    expect(appletFor(se, EXPECT.tokenRef).tokenRef).toBe(EXPECT.tokenRef);
    expect(thrown(() => appletFor(se, '9999'))).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
    expect(thrown(() => authorizationRequestFor(se, { ...PAY, currency: 'XXX' }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'currency' },
    });
    expect(thrown(() => authorizationRequestFor(se, { ...PAY, amountMinor: -5 }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: '9F02' },
    });
  });
});

describe('Wallet.pay', () => {
  let fx: WalletFixture | undefined;
  afterEach(async () => {
    await fx?.cleanup();
  });

  it('saves the ATC before the request leaves: a reopened wallet goes on counting', async () => {
    fx = await makeWalletFixture();
    const wallet = await fx.newWallet();
    const card = await wallet.addCard(CARDS.usGreen, fx.hooks());
    const atcOf = (r: api.AuthorizationRequest): number => Number.parseInt(r.emv['9F36'], 16);
    const first = await wallet.pay({
      card: card.tokenRef,
      amountMinor: 500,
      currency: 'USD',
      country: 'US',
    });
    const reopened = await Wallet.open({
      path: wallet.path,
      passphrase: PASSPHRASE,
      ...fx.runtime,
    });
    const next = await reopened.pay({
      card: '1111',
      amountMinor: 500,
      currency: 'USD',
      country: 'US',
    });
    expect(atcOf(next)).toBe(atcOf(first) + 1);
    expect(next.merchant).toEqual({ id: 'sandbox-merchant', name: 'Sandbox Merchant' });
  });
});
