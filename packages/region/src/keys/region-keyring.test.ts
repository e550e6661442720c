import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyJson } from '@domicile/protocol';
import { publicKeysOf, generateRegionKeySet } from './region-keys.js';
import { fileRegionKeyring } from './region-keyring.js';

describe('fileRegionKeyring', () => {
  it('signs with the key file signing and TSM keys and wraps under its KEK', async () => {
    const keys = await generateRegionKeySet('us');
    const keyring = fileRegionKeyring(keys);
    expect(keyring.signing.publicJwk).toEqual(publicKeysOf(keys).signing);
    expect(keyring.tsm.publicJwk).toEqual(publicKeysOf(keys).tsm);
    const jws = await keyring.tsm.sign({ script: 1 }, 'domicile-test+jws');
    expect(await verifyJson(jws, publicKeysOf(keys).tsm, 'domicile-test+jws')).toEqual({
      script: 1,
    });
    expect(keyring.keyProvider.kekId).toBe(keys.secrets.vaultKekId);
    const dataKey = randomBytes(32);
    const wrapped = await keyring.keyProvider.wrapKey(dataKey);
    expect(await keyring.keyProvider.unwrapKey(wrapped, keys.secrets.vaultKekId)).toEqual(dataKey);
    await keyring.close();
  });
});
