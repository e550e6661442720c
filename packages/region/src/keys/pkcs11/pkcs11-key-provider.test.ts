import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyProvider, vaultFailureOf } from '../../vault/index.js';
import { generatePkcs11RegionKeys } from './generate-pkcs11-keys.js';
import { Pkcs11KeyProvider, isPkcs11WrappedKey } from './pkcs11-key-provider.js';
import { Pkcs11Token } from './pkcs11-token.js';
import {
  KEPT_INSIDE,
  SOFTHSM_MODULE,
  createSoftHsm,
  importAesKey,
  keyExposure,
  type SoftHsm,
} from './softhsm.fixtures.js';

const LABELS = { signing: 'us-signing', tsm: 'us-tsm', kek: 'us-kek-1' };

async function failureOf(promise: Promise<unknown>): Promise<string | undefined> {
  return vaultFailureOf(
    await promise.then(
      () => undefined,
      (e: unknown) => e,
    ),
  );
}

describe.skipIf(SOFTHSM_MODULE === undefined)('Pkcs11KeyProvider (SoftHSM2)', () => {
  let softHsm: SoftHsm;
  let token: Pkcs11Token;
  let provider: Pkcs11KeyProvider;
  beforeAll(async () => {
    softHsm = await createSoftHsm('vault');
    token = await Pkcs11Token.open(softHsm.tokenOptions('vault'));
    await generatePkcs11RegionKeys(token, LABELS);
    provider = await Pkcs11KeyProvider.open(token, { kekLabel: LABELS.kek });
  });
  afterAll(async () => {
    await token.close();
    await softHsm.remove();
  });

  it('wraps and unwraps a data key, in a text that says it came from a token', async () => {
    const dataKey = randomBytes(32);
    const wrapped = await provider.wrapKey(dataKey);
    expect(provider.kekId).toBe(LABELS.kek);
    expect(wrapped).toMatch(/^pkcs11:aes-kwp:[A-Za-z0-9_-]+$/);
    expect(wrapped).not.toContain(dataKey.toString('base64url'));
    expect(isPkcs11WrappedKey(wrapped)).toBe(true);
    expect(await provider.unwrapKey(wrapped, LABELS.kek)).toEqual(dataKey);
    // Key wrap is deterministic: the same key under the same KEK, the same text.
    expect(await provider.wrapKey(dataKey)).toBe(wrapped);
    expect(await provider.wrapKey(randomBytes(32))).not.toBe(wrapped);
    const local = new LocalKeyProvider({ kekId: 'k', kek: randomBytes(32) });
    expect(isPkcs11WrappedKey(await local.wrapKey(dataKey))).toBe(false);
  });

  it("refuses a tampered wrapped key with the vault's key_unwrap_failed", async () => {
    const wrapped = await provider.wrapKey(randomBytes(32));
    const bytes = Buffer.from(wrapped.slice('pkcs11:aes-kwp:'.length), 'base64url');
    for (const index of [0, 20, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[index] = (tampered[index] ?? 0) ^ 1;
      const text = `pkcs11:aes-kwp:${tampered.toString('base64url')}`;
      expect(await failureOf(provider.unwrapKey(text, LABELS.kek))).toBe('key_unwrap_failed');
    }
    const truncated = wrapped.slice(0, -4);
    expect(await failureOf(provider.unwrapKey(truncated, LABELS.kek))).toBe('key_unwrap_failed');
  });

  it('refuses an unknown KEK id and a key wrapped by the file provider', async () => {
    const wrapped = await provider.wrapKey(randomBytes(32));
    expect(await failureOf(provider.unwrapKey(wrapped, 'us-kek-9'))).toBe('kek_unknown');
    const local = await new LocalKeyProvider({ kekId: LABELS.kek, kek: randomBytes(32) }).wrapKey(
      randomBytes(32),
    );
    expect(await failureOf(provider.unwrapKey(local, LABELS.kek))).toBe('key_unwrap_failed');
  });

  it('keeps the KEK in the token: sensitive, not extractable, its value unreadable', async () => {
    expect(await keyExposure(token, LABELS.kek, token.binding.CKO_SECRET_KEY)).toEqual(KEPT_INSIDE);
  });

  it('wraps the very RFC 5649 bytes of the file provider, so a file KEK can move into a token', async () => {
    const kek = randomBytes(32);
    await importAesKey(token, 'carried-kek', kek);
    const carried = await Pkcs11KeyProvider.open(token, { kekLabel: 'carried-kek' });
    const local = new LocalKeyProvider({ kekId: 'carried-kek', kek });
    const dataKey = randomBytes(32);
    const fromToken = await carried.wrapKey(dataKey);
    const fromFile = await local.wrapKey(dataKey);
    expect(fromToken).toBe(`pkcs11:aes-kwp:${fromFile}`);
    expect(await local.unwrapKey(fromToken.slice('pkcs11:aes-kwp:'.length), 'carried-kek')).toEqual(
      dataKey,
    );
  });

  it('unwraps with a retired KEK after rotation, and wraps with the new one', async () => {
    const wrapped = await provider.wrapKey(Buffer.alloc(32, 7));
    await generatePkcs11RegionKeys(token, { signing: 's-2', tsm: 't-2', kek: 'us-kek-2' });
    const rotated = await Pkcs11KeyProvider.open(token, {
      kekLabel: 'us-kek-2',
      retiredKekLabels: [LABELS.kek],
    });
    expect(rotated.kekId).toBe('us-kek-2');
    expect(await rotated.unwrapKey(wrapped, LABELS.kek)).toEqual(Buffer.alloc(32, 7));
    // Under the other KEK's id the integrity check fails.
    expect(await failureOf(rotated.unwrapKey(wrapped, 'us-kek-2'))).toBe('key_unwrap_failed');
  });
});
