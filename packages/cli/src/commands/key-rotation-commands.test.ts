import { readFile, rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyDirectory, type PublicJwk } from '@domicile/protocol';
import { loadRegionKeySet } from '@domicile/region';
import { paths, readDirectory } from '../deployment/deployment-files.js';
import { memoryIo } from '../io/index.js';
import { runCli } from '../program.js';
import { REGIONS_CONFIG, makeSignedDeployment } from '../testing/signed-deployment.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function deployment(): Promise<string> {
  const dir = await makeSignedDeployment('domicile-rotate-');
  folders.push(dir);
  return dir;
}

async function pinned(dir: string): Promise<PublicJwk> {
  return JSON.parse(await readFile(paths.authorityPublic(dir), 'utf8')) as PublicJwk;
}

describe('domicile keys rotate and directory sign', () => {
  it('adds a key, keeps the old one until --retire-after, and the next directory lists both under serial + 1', async () => {
    const dir = await deployment();
    const authority = await pinned(dir);
    const before = await verifyDirectory(await readDirectory(paths.directory(dir)), authority);
    const oldKid = before.key('us', 'tsm')?.kid;
    const run = memoryIo({ now: () => 1_800_000_000_000 });
    const args = ['keys', 'rotate', '--dir', dir, '--region', 'us', '--purpose', 'tsm'];
    expect(await runCli([...args, '--retire-after', '2d', '--json'], run.io)).toBe(0);
    const printed = JSON.parse(run.stdout()[0] ?? '{}') as { kid: string; keys: unknown[] };
    expect(printed.keys).toEqual([
      { kid: oldKid, notBefore: expect.any(Number) as number, notAfter: 1_800_000_000 + 172_800 },
      { kid: printed.kid, notBefore: 1_800_000_000 },
    ]);
    const keys = await loadRegionKeySet(paths.regionKeys(dir, 'us'));
    expect(keys.tsm.map((k) => k.kid)).toEqual([oldKid, printed.kid]);
    expect(keys.signing).toHaveLength(1);

    expect(
      await runCli(['directory', 'sign', '--config', REGIONS_CONFIG, '--dir', dir], memoryIo().io),
    ).toBe(0);
    const after = await verifyDirectory(await readDirectory(paths.directory(dir)), authority, {
      minSerial: before.serial + 1,
      now: 1_800_000_000,
    });
    expect(after.serial).toBe(before.serial + 1);
    expect(after.keys('us', 'tsm').map((k) => k.kid)).toEqual([oldKid, printed.kid]);
    expect(after.key('us', 'tsm', 1_800_000_000)?.kid).toBe(printed.kid);
    expect(after.keyById('us', 'tsm', oldKid, 1_800_000_000)?.kid).toBe(oldKid);
  });

  it('refuses an unknown purpose and a malformed duration (exit 2), changing nothing', async () => {
    const dir = await deployment();
    const before = await readFile(paths.regionKeys(dir, 'us'), 'utf8');
    for (const extra of [
      ['--purpose', 'master'],
      ['--purpose', 'signing', '--retire-after', 'a week'],
    ]) {
      const run = memoryIo();
      expect(
        await runCli(['keys', 'rotate', '--dir', dir, '--region', 'us', ...extra], run.io),
      ).toBe(2);
      expect(run.stderr().join('\n')).toContain('VALIDATION_FAILED');
    }
    expect(await readFile(paths.regionKeys(dir, 'us'), 'utf8')).toBe(before);
  });
});

describe('domicile authority rotate', () => {
  it('signs the directory with the old and the new key: the old pin accepts it and moves to the new key', async () => {
    const dir = await deployment();
    const oldPin = await pinned(dir);
    const run = memoryIo();
    expect(
      await runCli(['authority', 'rotate', '--config', REGIONS_CONFIG, '--dir', dir], run.io),
    ).toBe(0);
    const newPin = await pinned(dir);
    expect(newPin.kid).not.toBe(oldPin.kid);
    const jws = await readDirectory(paths.directory(dir));
    const directory = await verifyDirectory(jws, oldPin);
    expect(directory.authorityKey).toEqual(newPin);
    expect((await verifyDirectory(jws, newPin)).authorityKey).toEqual(newPin);
    // Once the previous key is retired, directories are signed by the new key alone.
    await rm(paths.authorityPrevious(dir));
    expect(
      await runCli(['directory', 'sign', '--config', REGIONS_CONFIG, '--dir', dir], memoryIo().io),
    ).toBe(0);
    const later = await readDirectory(paths.directory(dir));
    expect((await verifyDirectory(later, newPin, { minSerial: directory.serial + 1 })).serial).toBe(
      directory.serial + 1,
    );
    await expect(verifyDirectory(later, oldPin)).rejects.toMatchObject({
      code: 'DIRECTORY_AUTHORITY_UNKNOWN',
    });
  });
});
