import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRegionKeySet, loadRegionKeySet, saveRegionKeySet } from '../keys/index.js';
import { LocalKeyProvider } from './local-key-provider.js';
import { vaultFailureOf } from './vault-error.js';
import { vaultKeksOf, withNewVaultKek, withoutVaultKek } from './vault-keks.js';

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('vault KEKs of a region key file', () => {
  it('reads a file from before rotation as its one KEK', async () => {
    const keys = await generateRegionKeySet('us');
    expect(vaultKeksOf(keys.secrets)).toEqual([{ id: 'us-kek-1', key: keys.secrets.vaultKek }]);
  });

  it('rotates to a new current KEK, keeps the old one to unwrap, and saves a valid file', async () => {
    const keys = await generateRegionKeySet('us');
    const old = LocalKeyProvider.fromKeySet(keys);
    const wrapped = await old.wrapKey(Buffer.alloc(32, 5));
    const now = new Date('2026-12-01T04:00:00.000Z');
    const rotated = withNewVaultKek('us', keys.secrets, now);
    expect(rotated.kekId).toBe('us-kek-2');
    expect(rotated.secrets.vaultKekId).toBe('us-kek-2');
    expect(rotated.secrets.vaultKek).not.toBe(keys.secrets.vaultKek);
    expect(rotated.secrets.panHashKey).toBe(keys.secrets.panHashKey);
    expect(vaultKeksOf(rotated.secrets).map((k) => [k.id, k.createdAt])).toEqual([
      ['us-kek-1', undefined],
      ['us-kek-2', now.toISOString()],
    ]);

    const dir = await mkdtemp(join(tmpdir(), 'domicile-kek-'));
    try {
      await saveRegionKeySet(join(dir, 'us.keys.json'), { ...keys, secrets: rotated.secrets });
      const loaded = await loadRegionKeySet(join(dir, 'us.keys.json'));
      const provider = LocalKeyProvider.fromKeySet(loaded);
      expect(provider.kekId).toBe('us-kek-2');
      expect(await provider.unwrapKey(wrapped, 'us-kek-1')).toEqual(Buffer.alloc(32, 5));
      const fresh = await provider.wrapKey(Buffer.alloc(32, 6));
      expect(await provider.unwrapKey(fresh, 'us-kek-2')).toEqual(Buffer.alloc(32, 6));
      expect(vaultFailureOf(await old.unwrapKey(fresh, 'us-kek-2').catch((e: unknown) => e))).toBe(
        'kek_unknown',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(withNewVaultKek('us', rotated.secrets).kekId).toBe('us-kek-3');
  });

  it('retires an old KEK from the file, never the current one or an unknown one', async () => {
    const keys = await generateRegionKeySet('us');
    const { secrets } = withNewVaultKek('us', keys.secrets);
    const retired = withoutVaultKek(secrets, 'us-kek-1');
    expect(vaultKeksOf(retired).map((k) => k.id)).toEqual(['us-kek-2']);
    expect(LocalKeyProvider.fromKeySet({ secrets: retired }).kekId).toBe('us-kek-2');
    expect(thrownBy(() => withoutVaultKek(secrets, 'us-kek-2'))).toMatchObject({
      code: 'VAULT_KEK_IN_USE',
      details: { reason: 'current' },
    });
    expect(thrownBy(() => withoutVaultKek(retired, 'us-kek-1'))).toMatchObject({
      code: 'VAULT_KEK_UNKNOWN',
    });
  });

  it('leaves a KEK listed without material (kept in the HSM) to the PKCS#11 provider', async () => {
    const keys = await generateRegionKeySet('us');
    const secrets = {
      ...keys.secrets,
      vaultKeks: [
        { id: 'us-hsm-kek', createdAt: '2026-01-01T00:00:00.000Z' },
        { id: 'us-kek-1', key: keys.secrets.vaultKek },
      ],
    };
    expect(vaultKeksOf(secrets).map((k) => [k.id, k.key === undefined])).toEqual([
      ['us-hsm-kek', true],
      ['us-kek-1', false],
    ]);
    const provider = LocalKeyProvider.fromKeySet({ secrets });
    const hsmCurrent = { vaultKekId: secrets.vaultKekId, vaultKeks: secrets.vaultKeks };
    expect(thrownBy(() => LocalKeyProvider.fromKeySet({ secrets: hsmCurrent }))).toMatchObject({
      code: 'CONFIG_INVALID',
    });
    expect(vaultKeksOf(hsmCurrent).at(-1)).toEqual({ id: 'us-kek-1' });
    const wrapped = await provider.wrapKey(randomBytes(32));
    expect(
      vaultFailureOf(await provider.unwrapKey(wrapped, 'us-hsm-kek').catch((e: unknown) => e)),
    ).toBe('kek_unknown');
  });
});
