import { EmbeddedJWK, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { TYP, jwkThumbprint, signJson, type api } from '@domicile/protocol';
import { makeProvisioningData, samplePayload } from '../testing/provisioning-data.js';
import { makeTestDirectory, regionKeys, type TestDirectory } from '../testing/test-directory.js';
import { SecureElement, type ExpectedCredential } from './secure-element.js';
import { thrown } from '../testing/thrown.js';

let dir: TestDirectory;
beforeAll(async () => {
  dir = await makeTestDirectory();
});

const EXPECT: ExpectedCredential = {
  region: 'cn',
  sessionId: 'ses_0123456789',
  tokenRef: 'tok_0123456789',
  last4: '0005',
  network: 'unionpay',
};

async function installed(se: SecureElement, overrides: Partial<api.ProvisioningPayload> = {}) {
  const data = await makeProvisioningData(
    samplePayload({ deviceJkt: se.deviceJkt, ...overrides }),
    regionKeys(dir, 'cn').signing.privateJwk,
    se.encryptionPublicKey,
  );
  return se.installCredential(data, regionKeys(dir, 'cn').signing.publicJwk, EXPECT);
}

function script(overrides: Partial<api.PersonalizationScript> = {}): api.PersonalizationScript {
  return {
    scriptId: 'scr_0123456789',
    tokenRef: 'tok_0123456789',
    region: 'cn',
    issuedAt: 1,
    artwork: { assetId: 'art_0123456789', sha256: 'a'.repeat(64) },
    issuer: {
      name: 'Bank',
      phone: '+86 10 0000',
      email: 'help@bank.test',
      website: 'https://bank.test',
    },
    termsUrl: 'https://bank.test/terms',
    commands: [{ op: 'SET_ARTWORK' }, { op: 'ACTIVATE' }],
    ...overrides,
  };
}

describe('SecureElement', () => {
  it('signs DPoP proofs (RFC 9449) with its key, a fresh jti each time', async () => {
    const se = await SecureElement.create();
    const htu = 'http://us.test/v1/accounts';
    const proofs = await Promise.all([se.dpopProof('POST', htu), se.dpopProof('POST', htu)]);
    const verified = await Promise.all(
      proofs.map((p) => jwtVerify(p, EmbeddedJWK, { typ: TYP.dpop, algorithms: ['ES256'] })),
    );
    for (const v of verified) {
      expect(v.payload).toMatchObject({ htm: 'POST', htu });
      expect(typeof v.payload.iat).toBe('number');
      expect(await jwkThumbprint(v.protectedHeader.jwk ?? {})).toBe(se.deviceJkt);
      expect(v.protectedHeader.jwk).not.toHaveProperty('d');
    }
    expect(verified[0]?.payload.jti).not.toBe(verified[1]?.payload.jti);
  });

  it('restores the same keys and applets from its exported state', async () => {
    const se = await SecureElement.create();
    await installed(se);
    const again = await SecureElement.restore(se.exportState());
    expect(again.deviceJkt).toBe(se.deviceJkt);
    expect(again.encryptionPublicKey).toEqual(se.encryptionPublicKey);
    expect(again.applets().map((a) => a.view())).toEqual(se.applets().map((a) => a.view()));
  });

  it('installs verified provisioning data as an applet that shows no secret', async () => {
    const se = await SecureElement.create();
    const applet = await installed(se);
    const view = applet.view();
    expect(view).toMatchObject({
      tokenRef: 'tok_0123456789',
      region: 'cn',
      last4: '0005',
      tokenLast4: '7891',
      state: 'pending_activation',
    });
    expect(JSON.stringify(view)).not.toContain('4892001234567891');
    expect(JSON.stringify(view)).not.toContain('0123456789ABCDEF');
    expect(await installed(se)).toBe(applet);
  });

  it.each<[string, Partial<api.ProvisioningPayload>]>([
    ['bound to another device', { deviceJkt: 'B'.repeat(43) }],
    ['for another token', { tokenRef: 'tok_other_0001' }],
    ['for another region', { region: 'us' }],
    ['for another card', { last4: '1111' }],
  ])('refuses provisioning data %s', async (_name, overrides) => {
    const se = await SecureElement.create();
    await expect(installed(se, overrides)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    expect(se.applets()).toHaveLength(0);
  });

  it("refuses provisioning data signed by a key other than the region's", async () => {
    const se = await SecureElement.create();
    const data = await makeProvisioningData(
      samplePayload({ deviceJkt: se.deviceJkt }),
      regionKeys(dir, 'us').signing.privateJwk,
      se.encryptionPublicKey,
    );
    await expect(
      se.installCredential(data, regionKeys(dir, 'cn').signing.publicJwk, EXPECT),
    ).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('refuses provisioning data encrypted to another device', async () => {
    const se = await SecureElement.create();
    const other = await SecureElement.create();
    const data = await makeProvisioningData(
      samplePayload({ deviceJkt: se.deviceJkt }),
      regionKeys(dir, 'cn').signing.privateJwk,
      other.encryptionPublicKey,
    );
    await expect(
      se.installCredential(data, regionKeys(dir, 'cn').signing.publicJwk, EXPECT),
    ).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });
});

describe('Applet', () => {
  it('counts the ATC up from the provisioned start, one per cryptogram', async () => {
    const applet = await installed(await SecureElement.create(), { atcStart: 41 });
    expect([applet.nextAtc(), applet.nextAtc()]).toEqual([42, 43]);
  });

  it('turns active only with a stored script that carries ACTIVATE', async () => {
    const applet = await installed(await SecureElement.create());
    expect(thrown(() => applet.activate())).toMatchObject({ code: 'SCRIPT_NOT_READY' });
    applet.storeScript(
      await signJson(
        script({ commands: [] }),
        regionKeys(dir, 'cn').tsm.privateJwk,
        TYP.personalizationScript,
      ),
      script({ commands: [] }),
    );
    expect(thrown(() => applet.activate())).toMatchObject({ code: 'SCRIPT_NOT_READY' });
    applet.storeScript('jws-2', script());
    applet.activate();
    expect(applet.view()).toMatchObject({
      state: 'active',
      scriptId: 'scr_0123456789',
      issuer: { name: 'Bank' },
    });
  });

  it('refuses to activate an applet whose token is suspended, as a credential state', async () => {
    const applet = await installed(await SecureElement.create());
    applet.storeScript('jws', script());
    applet.suspend();
    expect(thrown(() => applet.activate())).toMatchObject({ code: 'CREDENTIAL_STATE' });
    expect(applet.view()).toMatchObject({ state: 'suspended' });
  });

  it('refuses a script for another token, and different card art', async () => {
    const applet = await installed(await SecureElement.create());
    expect(
      thrown(() => applet.storeScript('jws', script({ tokenRef: 'tok_other_0001' }))),
    ).toMatchObject({ code: 'SIGNATURE_INVALID' });
    applet.storeArt({ assetId: 'art_0123456789', sha256: 'a'.repeat(64) });
    applet.storeArt({ assetId: 'art_0123456789', sha256: 'a'.repeat(64) });
    expect(
      thrown(() => applet.storeArt({ assetId: 'art_0123456789', sha256: 'b'.repeat(64) })),
    ).toMatchObject({ code: 'ASSET_HASH_MISMATCH' });
  });
});
