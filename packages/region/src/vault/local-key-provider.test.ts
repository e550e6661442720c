import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateRegionKeySet } from '../keys/index.js';
import { LocalKeyProvider } from './local-key-provider.js';
import { vaultFailureOf } from './vault-error.js';

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('LocalKeyProvider', () => {
  it('wraps and unwraps a data key', async () => {
    const provider = new LocalKeyProvider({ kekId: 'k1', kek: randomBytes(32) });
    const dataKey = randomBytes(32);
    const wrapped = await provider.wrapKey(dataKey);
    expect(wrapped).not.toContain(dataKey.toString('base64url'));
    expect(await provider.unwrapKey(wrapped, 'k1')).toEqual(dataKey);
  });

  it('unwraps with a retired KEK after rotation, and wraps with the new one', async () => {
    const old = randomBytes(32);
    const wrapped = await new LocalKeyProvider({ kekId: 'k1', kek: old }).wrapKey(
      Buffer.alloc(32, 7),
    );
    const rotated = new LocalKeyProvider({
      kekId: 'k2',
      kek: randomBytes(32),
      retired: new Map([['k1', old]]),
    });
    expect(rotated.kekId).toBe('k2');
    expect(await rotated.unwrapKey(wrapped, 'k1')).toEqual(Buffer.alloc(32, 7));
  });

  it('fails on an unknown KEK id or a wrong KEK', async () => {
    const provider = new LocalKeyProvider({ kekId: 'k1', kek: randomBytes(32) });
    const wrapped = await provider.wrapKey(randomBytes(32));
    expect(vaultFailureOf(await provider.unwrapKey(wrapped, 'k9').catch((e: unknown) => e))).toBe(
      'kek_unknown',
    );
    const other = new LocalKeyProvider({ kekId: 'k1', kek: randomBytes(32) });
    expect(vaultFailureOf(await other.unwrapKey(wrapped, 'k1').catch((e: unknown) => e))).toBe(
      'key_unwrap_failed',
    );
  });

  it('takes its KEK from the region key file and refuses a short one', async () => {
    const keys = await generateRegionKeySet('us');
    expect(LocalKeyProvider.fromKeySet(keys).kekId).toBe('us-kek-1');
    expect(
      thrownBy(() => new LocalKeyProvider({ kekId: 'k', kek: randomBytes(16) })),
    ).toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
