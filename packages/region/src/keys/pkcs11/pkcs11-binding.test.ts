import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { generateRegionKeySet } from '../index.js';
import { fileRegionKeyring } from '../region-keyring.js';
import { loadPkcs11Binding, readUlong } from './pkcs11-binding.js';
import { openPkcs11RegionKeyring } from './index.js';

// A machine where the optional native binding did not install (no C++ toolchain, say).
vi.mock('pkcs11js', () => {
  throw new Error("Cannot find package 'pkcs11js'");
});

describe('without the pkcs11js binding', () => {
  it('file keys work: nothing loads the binding until an HSM is configured', async () => {
    const keyring = fileRegionKeyring(await generateRegionKeySet('us'));
    expect(await keyring.signing.sign({ a: 1 }, 'domicile-test+jws')).toMatch(
      /^[\w-]+\.[\w-]+\.[\w-]+$/,
    );
  });

  it('an HSM keyring fails at open with HSM_MODULE_UNAVAILABLE, binding_not_installed', async () => {
    const expected = {
      code: 'HSM_MODULE_UNAVAILABLE',
      details: { reason: 'binding_not_installed', package: 'pkcs11js' },
    };
    await expect(loadPkcs11Binding()).rejects.toMatchObject(expected);
    const opening = openPkcs11RegionKeyring({
      module: fileURLToPath(import.meta.url),
      token: { label: 'any' },
      pinFile: fileURLToPath(import.meta.url),
      labels: { signing: 's', tsm: 't', kek: 'k' },
    });
    await expect(opening).rejects.toMatchObject(expected);
  });
});

describe('readUlong', () => {
  it('reads a native CK_ULONG of 4 or 8 bytes', () => {
    const eight = Buffer.alloc(8);
    eight.writeBigUInt64LE(0x4b0361ban);
    const four = Buffer.alloc(4);
    four.writeUInt32LE(32);
    expect(readUlong(eight)).toBe(0x4b0361ban);
    expect(readUlong(four)).toBe(32n);
  });
});
