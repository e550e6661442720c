import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epochSeconds, verifyJson } from '@domicile/protocol';
import { openRegionKeyring, type KeyProviderConfig } from '../open-region-keyring.js';
import { generateRegionKeySet, publicKeysOf, type RegionKeySet } from '../region-keys.js';
import { generatePkcs11RegionKeySet } from './generate-pkcs11-key-set.js';
import { Pkcs11Token, type Pkcs11TokenOptions } from './pkcs11-token.js';
import {
  destroyPkcs11Kek,
  rotateRegionKeyInHsm,
  rotateRegionKeyInToken,
} from './rotate-pkcs11-key.js';
import {
  KEPT_INSIDE,
  SOFTHSM_MODULE,
  createSoftHsm,
  keyExposure,
  type SoftHsm,
} from './softhsm.fixtures.js';

const TYP = 'domicile-test+jws';

describe.skipIf(SOFTHSM_MODULE === undefined)(
  'rotating region keys inside the token (SoftHSM2)',
  () => {
    let softHsm: SoftHsm;
    let options: Pkcs11TokenOptions;
    let provider: KeyProviderConfig;

    beforeAll(async () => {
      softHsm = await createSoftHsm('rotation');
      options = softHsm.tokenOptions('rotation');
      provider = { kind: 'pkcs11', token: options };
    });
    afterAll(async () => {
      await softHsm.remove();
    });

    async function inToken<T>(work: (token: Pkcs11Token) => Promise<T>): Promise<T> {
      const token = await Pkcs11Token.open(options);
      try {
        return await work(token);
      } finally {
        await token.close();
      }
    }

    it('makes each new key in the token under <region>-<purpose>-<8 hex>; the keyring signs with the new keys and opens what the old KEK wrapped', async () => {
      const before = await inToken((token) => generatePkcs11RegionKeySet(token, { region: 'us' }));
      const oldRing = await openRegionKeyring(before, provider);
      const dataKey = randomBytes(32);
      const oldWrap = await oldRing.keyProvider.wrapKey(dataKey).finally(() => oldRing.close());

      // The keyring signs by the wall clock: the rotation happens now, after the keys were made.
      const NOW = epochSeconds();
      let keys: RegionKeySet = before;
      const made: Record<string, string> = {};
      for (const purpose of ['signing', 'tsm', 'kek'] as const) {
        const rotated = await rotateRegionKeyInHsm(options, keys, purpose, {
          now: NOW,
          retireAfter: 3_600,
        });
        expect(rotated.kid).toMatch(new RegExp(`^us-${purpose}-[0-9a-f]{8}$`));
        keys = rotated.keys;
        made[purpose] = rotated.kid;
      }
      // Listed by their public halves and labels alone; the old ones kept until notAfter.
      for (const purpose of ['signing', 'tsm'] as const) {
        expect(keys[purpose].map((k) => k.kid)).toEqual([before[purpose][0]?.kid, made[purpose]]);
        expect(keys[purpose].map((k) => k.d)).toEqual([undefined, undefined]);
        expect(keys[purpose][0]?.notAfter).toBe(NOW + 3_600);
        expect(keys[purpose][1]?.notBefore).toBe(NOW);
      }
      expect(keys.secrets.vaultKek).toBeUndefined();
      expect(keys.secrets.vaultKekId).toBe(made.kek);
      expect(keys.secrets.vaultKeks?.map((k) => [k.id, k.key])).toEqual([
        [before.secrets.vaultKekId, undefined],
        [made.kek, undefined],
      ]);
      await inToken(async (token) => {
        const b = token.binding;
        expect(await keyExposure(token, made.signing ?? '', b.CKO_PRIVATE_KEY)).toEqual(
          KEPT_INSIDE,
        );
        expect(await keyExposure(token, made.tsm ?? '', b.CKO_PRIVATE_KEY)).toEqual(KEPT_INSIDE);
        expect(await keyExposure(token, made.kek ?? '', b.CKO_SECRET_KEY)).toEqual(KEPT_INSIDE);
      });

      const ring = await openRegionKeyring(keys, provider);
      try {
        expect(ring.signing.kid).toBe(made.signing);
        expect(ring.tsm.kid).toBe(made.tsm);
        const listed = publicKeysOf(keys, NOW);
        expect(
          await verifyJson(await ring.signing.sign({ n: 1 }, TYP), listed.signing, TYP),
        ).toEqual({ n: 1 });
        expect(ring.keyProvider.kekId).toBe(made.kek);
        // A record wrapped before the rotation opens under its old KEK; a new one goes to the new.
        expect(await ring.keyProvider.unwrapKey(oldWrap, before.secrets.vaultKekId)).toEqual(
          dataKey,
        );
        const newWrap = await ring.keyProvider.wrapKey(dataKey);
        expect(newWrap).not.toBe(oldWrap);
        expect(await ring.keyProvider.unwrapKey(newWrap, made.kek ?? '')).toEqual(dataKey);
        await expect(ring.keyProvider.unwrapKey(oldWrap, made.kek ?? '')).rejects.toMatchObject({
          code: 'INTERNAL',
          details: { reason: 'key_unwrap_failed' },
        });
      } finally {
        await ring.close();
      }

      // Retired and destroyed, the old KEK is gone from the token: a key file still listing it fails
      // at start; a signing key's label is never destroyed as a KEK.
      await destroyPkcs11Kek(options, before.secrets.vaultKekId);
      await expect(openRegionKeyring(keys, provider)).rejects.toMatchObject({
        code: 'HSM_KEY_NOT_FOUND',
        details: { purpose: 'kek', label: before.secrets.vaultKekId },
      });
      await expect(destroyPkcs11Kek(options, made.signing ?? '')).rejects.toMatchObject({
        code: 'HSM_KEY_UNSUITABLE',
      });
    });

    it('moves a region from a file KEK into the token: the file KEK still unwraps, the token KEK wraps', async () => {
      const file = await generateRegionKeySet('cn');
      const fileRing = await openRegionKeyring(file);
      const dataKey = randomBytes(32);
      const fileWrap = await fileRing.keyProvider.wrapKey(dataKey);
      const { keys, kid } = await rotateRegionKeyInHsm(options, file, 'kek', {
        retireAfter: 0,
      });
      expect(keys.secrets.vaultKeks?.map((k) => [k.id, k.key !== undefined])).toEqual([
        ['cn-kek-1', true],
        [kid, false],
      ]);
      // The signing keys are still file keys: the pkcs11 provider uses them from the file.
      const ring = await openRegionKeyring(keys, provider);
      try {
        expect(ring.keyProvider.kekId).toBe(kid);
        expect(await ring.keyProvider.unwrapKey(fileWrap, 'cn-kek-1')).toEqual(dataKey);
        const tokenWrap = await ring.keyProvider.wrapKey(dataKey);
        expect(tokenWrap.startsWith('pkcs11:')).toBe(true);
        expect(await ring.keyProvider.unwrapKey(tokenWrap, kid)).toEqual(dataKey);
      } finally {
        await ring.close();
      }
    });

    it('refuses a label already in the token, leaving the key set as it was', async () => {
      const keys = await inToken((token) => generatePkcs11RegionKeySet(token, { region: 'eu' }));
      await expect(
        inToken((token) =>
          rotateRegionKeyInToken(token, keys, 'signing', {
            retireAfter: 0,
            suffix: keys.signing[0]?.kid.split('-').at(-1) ?? '',
          }),
        ),
      ).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { label: keys.signing[0]?.kid } });
    });
  },
);
