import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairJwk, verifyJson, type DomicileError } from '@domicile/protocol';
import { openRegionKeyring, type KeyProviderConfig } from './open-region-keyring.js';
import { generateRegionKeySetsInToken } from './pkcs11/generate-pkcs11-key-set.js';
import { SOFTHSM_MODULE, createSoftHsm, type SoftHsm } from './pkcs11/softhsm.fixtures.js';
import { generateRegionKeySet, publicKeysOf, type RegionKeySet } from './region-keys.js';

const TYP = 'domicile-test+jws';

async function refusal(opening: Promise<unknown>): Promise<DomicileError> {
  return opening.then(
    () => {
      throw new Error('the keyring opened');
    },
    (e: unknown) => e as DomicileError,
  );
}

describe('openRegionKeyring with file keys', () => {
  it('refuses a key file whose signing key or KEK is in an HSM', async () => {
    const keys = await generateRegionKeySet('us');
    const { panHashKey, pseudonymKey, issuerMasterKey, vaultKekId } = keys.secrets;
    const inHsm: [string, RegionKeySet][] = [
      ['signing', { ...keys, signing: [publicKeysOf(keys).signing] }],
      ['kek', { ...keys, secrets: { panHashKey, pseudonymKey, issuerMasterKey, vaultKekId } }],
    ];
    for (const [purpose, set] of inHsm) {
      expect(await refusal(openRegionKeyring(set))).toMatchObject({
        code: 'CONFIG_INVALID',
        details: { purpose },
      });
    }
  });
});

describe.skipIf(SOFTHSM_MODULE === undefined)('openRegionKeyring with pkcs11 (SoftHSM2)', () => {
  let softHsm: SoftHsm;
  let provider: KeyProviderConfig;
  let keys: RegionKeySet;

  beforeAll(async () => {
    softHsm = await createSoftHsm('keyring');
    const token = softHsm.tokenOptions('keyring');
    provider = { kind: 'pkcs11', token };
    [keys] = (await generateRegionKeySetsInToken(token, ['us'])) as [RegionKeySet];
  });
  afterAll(async () => {
    await softHsm.remove();
  });

  it('signs with the token keys under the kid of the key file, and wraps under the token KEK', async () => {
    expect(keys.signing[0]?.d).toBeUndefined();
    expect(keys.secrets.vaultKek).toBeUndefined();
    const keyring = await openRegionKeyring(keys, provider);
    try {
      const listed = publicKeysOf(keys);
      for (const [signer, publicJwk] of [
        [keyring.signing, listed.signing],
        [keyring.tsm, listed.tsm],
      ] as const) {
        expect(signer.kid).toBe(publicJwk.kid);
        const jws = await signer.sign({ n: 1 }, TYP);
        expect(await verifyJson(jws, publicJwk, TYP)).toEqual({ n: 1 });
      }
      expect(keyring.keyProvider.kekId).toBe(keys.secrets.vaultKekId);
      const dataKey = randomBytes(32);
      const wrapped = await keyring.keyProvider.wrapKey(dataKey);
      expect(await keyring.keyProvider.unwrapKey(wrapped, keyring.keyProvider.kekId)).toEqual(
        dataKey,
      );
    } finally {
      await keyring.close();
    }
  });

  it('refuses a token key that is not the public key the key file lists under its kid', async () => {
    const other = (await generateKeyPairJwk('sig')).publicJwk;
    const forged = { ...keys, tsm: [{ ...other, kid: keys.tsm[0]?.kid ?? '' }] };
    expect(await refusal(openRegionKeyring(forged, provider))).toMatchObject({
      code: 'HSM_KEY_UNSUITABLE',
      details: { purpose: 'tsm', reason: 'not_the_listed_key' },
    });
  });

  it('refuses a kid with no key in the token', async () => {
    const missing = { ...keys, secrets: { ...keys.secrets, vaultKekId: 'us-kek-missing' } };
    expect(await refusal(openRegionKeyring(missing, provider))).toMatchObject({
      code: 'HSM_KEY_NOT_FOUND',
      details: { purpose: 'kek', label: 'us-kek-missing' },
    });
  });
});
