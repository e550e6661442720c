import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomicileError, verifyJson } from '@domicile/protocol';
import { vaultFailureOf } from '../../vault/index.js';
import type { RegionKeyring } from '../region-keyring.js';
import { generatePkcs11RegionKeys } from './generate-pkcs11-keys.js';
import { Pkcs11Library } from './pkcs11-library.js';
import {
  openPkcs11RegionKeyring,
  type Pkcs11RegionKeyringOptions,
} from './pkcs11-region-keyring.js';
import { Pkcs11Token } from './pkcs11-token.js';
import {
  SOFTHSM_MODULE,
  createSoftHsm,
  generateP384KeyPair,
  importAesKey,
  type SoftHsm,
} from './softhsm.fixtures.js';

const LABELS = { signing: 'us-signing', tsm: 'us-tsm', kek: 'us-kek-1' };
const TYP = 'domicile-test+jws';

describe.skipIf(SOFTHSM_MODULE === undefined)('openPkcs11RegionKeyring (SoftHSM2)', () => {
  let softHsm: SoftHsm;
  let slotA: number;
  const options = (
    overrides: Partial<Pkcs11RegionKeyringOptions> = {},
  ): Pkcs11RegionKeyringOptions => ({
    ...softHsm.tokenOptions('region-a'),
    labels: LABELS,
    ...overrides,
  });

  /** The error an open fails with, checked to carry no PIN, key or handle detail. */
  async function openFailure(opening: Promise<RegionKeyring>): Promise<DomicileError> {
    const error = await opening.then(
      async (keyring) => {
        await keyring.close();
        throw new Error('the keyring opened');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomicileError);
    const visible = JSON.stringify((error as DomicileError).toBody());
    expect(visible).not.toContain(softHsm.pin);
    expect(visible).not.toMatch(/CKR_|handle/i);
    return error as DomicileError;
  }

  beforeAll(async () => {
    softHsm = await createSoftHsm('region-b');
    slotA = await softHsm.initToken('region-a');
    for (const label of ['region-a', 'region-b']) {
      const token = await Pkcs11Token.open(softHsm.tokenOptions(label));
      await generatePkcs11RegionKeys(token, LABELS);
      await importAesKey(token, 'extractable-kek', randomBytes(32), { extractable: true });
      await importAesKey(token, 'aes-128-kek', randomBytes(16));
      await importAesKey(token, 'twin-kek', randomBytes(32));
      await importAesKey(token, 'twin-kek', randomBytes(32));
      await generateP384KeyPair(token, 'p384-signing');
      await token.close();
    }
  });
  afterAll(async () => {
    // Every test closed what it opened: the library is finalized before its folder goes.
    const loaded = Pkcs11Library.loadedCount();
    await softHsm.remove();
    expect(loaded).toBe(0);
  });

  it('opens the signing key, the TSM key and the KEK, by token label or slot', async () => {
    for (const token of [{ label: 'region-a' }, { slot: slotA }]) {
      const keyring = await openPkcs11RegionKeyring(options({ token }));
      const jws = await keyring.signing.sign({ hello: 'world' }, TYP);
      expect(await verifyJson(jws, keyring.signing.publicJwk, TYP)).toEqual({ hello: 'world' });
      const script = await keyring.tsm.sign({ script: 1 }, TYP);
      expect(await verifyJson(script, keyring.tsm.publicJwk, TYP)).toEqual({ script: 1 });
      const dataKey = randomBytes(32);
      const wrapped = await keyring.keyProvider.wrapKey(dataKey);
      expect(await keyring.keyProvider.unwrapKey(wrapped, LABELS.kek)).toEqual(dataKey);
      await keyring.close();
    }
  });

  it('serves two keyrings of one token and one of another in one process, each its own keys', async () => {
    const a1 = await openPkcs11RegionKeyring(options());
    const a2 = await openPkcs11RegionKeyring(options());
    const b = await openPkcs11RegionKeyring(options(softHsm.tokenOptions('region-b')));
    expect(a2.signing.kid).toBe(a1.signing.kid);
    expect(b.signing.kid).not.toBe(a1.signing.kid);
    const dataKey = randomBytes(32);
    const wrapped = await a1.keyProvider.wrapKey(dataKey);
    // Same label, another token: another KEK, so the integrity check fails.
    const other = await b.keyProvider.unwrapKey(wrapped, LABELS.kek).catch((e: unknown) => e);
    expect(vaultFailureOf(other)).toBe('key_unwrap_failed');
    // Closing one keyring of a token leaves the other logged in and working.
    await a1.close();
    expect(await a2.keyProvider.unwrapKey(wrapped, LABELS.kek)).toEqual(dataKey);
    const jws = await a2.signing.sign({ n: 2 }, TYP);
    expect(await verifyJson(jws, a2.signing.publicJwk, TYP)).toEqual({ n: 2 });
    const closed = { code: 'SERVICE_UNAVAILABLE' };
    await expect(a1.signing.sign({ n: 3 }, TYP)).rejects.toMatchObject(closed);
    await expect(a1.keyProvider.wrapKey(dataKey)).rejects.toMatchObject(closed);
    await expect(a1.keyProvider.unwrapKey(wrapped, LABELS.kek)).rejects.toMatchObject(closed);
    await Promise.all([a2.close(), b.close()]);
    expect(Pkcs11Library.loadedCount()).toBe(0);
  });

  it('refuses a missing or unloadable PKCS#11 module', async () => {
    const missing = await openFailure(
      openPkcs11RegionKeyring(options({ module: `${softHsm.dir}/nothing-here.so` })),
    );
    expect(missing).toMatchObject({
      code: 'HSM_MODULE_UNAVAILABLE',
      details: { reason: 'module_not_found' },
    });
    const notALibrary = await softHsm.writeFile('not-a-library.so', 'plain text');
    const unloadable = await openFailure(openPkcs11RegionKeyring(options({ module: notALibrary })));
    expect(unloadable).toMatchObject({
      code: 'HSM_MODULE_UNAVAILABLE',
      details: { reason: 'module_unloadable', module: notALibrary },
    });
  });

  it('refuses a wrong PIN, also while the token is logged in with the right one', async () => {
    const wrongPin = await softHsm.writeFile('wrong-pin', `${softHsm.pin}0\n`);
    const alone = await openFailure(openPkcs11RegionKeyring(options({ pinFile: wrongPin })));
    expect(alone).toMatchObject({ code: 'HSM_PIN_REJECTED', details: { reason: 'pin_incorrect' } });
    const open = await openPkcs11RegionKeyring(options());
    const beside = await openFailure(openPkcs11RegionKeyring(options({ pinFile: wrongPin })));
    expect(beside).toMatchObject({
      code: 'HSM_PIN_REJECTED',
      details: { reason: 'pin_incorrect' },
    });
    await open.close();
  });

  it('refuses a PIN file that is missing, empty or holds more than the PIN', async () => {
    const files = [
      `${softHsm.dir}/no-pin-file`,
      await softHsm.writeFile('empty-pin', ''),
      await softHsm.writeFile('two-lines', `${softHsm.pin}\n${softHsm.pin}\n`),
    ];
    for (const pinFile of files) {
      const error = await openFailure(openPkcs11RegionKeyring(options({ pinFile })));
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { file: pinFile } });
    }
  });

  it('refuses a token label or slot that names no token', async () => {
    const byLabel = await openFailure(
      openPkcs11RegionKeyring(options({ token: { label: 'region-z' } })),
    );
    expect(byLabel).toMatchObject({
      code: 'HSM_TOKEN_NOT_FOUND',
      details: { reason: 'no_token_with_label', label: 'region-z' },
    });
    const bySlot = await openFailure(
      openPkcs11RegionKeyring(options({ token: { slot: slotA + 1 } })),
    );
    expect(bySlot).toMatchObject({
      code: 'HSM_TOKEN_NOT_FOUND',
      details: { reason: 'no_token_in_slot' },
    });
  });

  it('refuses a key label that names no key, for each purpose', async () => {
    for (const purpose of ['signing', 'tsm', 'kek'] as const) {
      const labels = { ...LABELS, [purpose]: 'nobody' };
      const error = await openFailure(openPkcs11RegionKeyring(options({ labels })));
      expect(error).toMatchObject({
        code: 'HSM_KEY_NOT_FOUND',
        details: { purpose, label: 'nobody' },
      });
    }
    const retired = await openFailure(
      openPkcs11RegionKeyring(options({ retiredKekLabels: ['us-kek-0'] })),
    );
    expect(retired).toMatchObject({ code: 'HSM_KEY_NOT_FOUND', details: { label: 'us-kek-0' } });
  });

  it('refuses a key of the wrong type, size, curve or extractability, and a shared label', async () => {
    const cases: [Partial<typeof LABELS>, string][] = [
      [{ signing: LABELS.kek }, 'not_an_ec_key_pair'],
      [{ tsm: 'p384-signing' }, 'not_p256'],
      [{ kek: LABELS.signing }, 'not_an_aes_key'],
      [{ kek: 'aes-128-kek' }, 'not_aes_256'],
      [{ kek: 'extractable-kek' }, 'extractable'],
      [{ kek: 'twin-kek' }, 'label_ambiguous'],
    ];
    for (const [labels, reason] of cases) {
      const error = await openFailure(
        openPkcs11RegionKeyring(options({ labels: { ...LABELS, ...labels } })),
      );
      expect(error, reason).toMatchObject({ code: 'HSM_KEY_UNSUITABLE', details: { reason } });
    }
  });
});
