import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegionKeySet, openRegionKeyring, type Pkcs11TokenOptions } from '@domicile/region';
import { SOFTHSM_MODULE, createSoftHsm, type SoftHsm } from '@domicile/region/testing';
import { paths } from '../deployment/deployment-files.js';
import { memoryIo } from '../io/index.js';
import { runCli } from '../program.js';
import { REGIONS_CONFIG } from '../testing/signed-deployment.js';

const TOKEN = 'cli-rotation';

async function run(args: string[]): Promise<{ code: number; stdout: string[]; stderr: string }> {
  const { io, stdout, stderr } = memoryIo();
  const code = await runCli(args, io);
  return { code, stdout: stdout(), stderr: stderr().join('\n') };
}

/**
 * `keys rotate --hsm` and `keys retire --destroy --hsm` against a SoftHSM2 token of this file's
 * own, on a deployment whose keys `keys generate --hsm` made there; `--db` writes the rotation's
 * audit row, read back with `audit export`.
 */
describe.skipIf(SOFTHSM_MODULE === undefined)('domicile keys rotate --hsm (SoftHSM2)', () => {
  let softHsm: SoftHsm;
  let token: Pkcs11TokenOptions;
  let dir: string;
  let db: string;
  let hsm: string[];

  beforeAll(async () => {
    softHsm = await createSoftHsm(TOKEN);
    token = softHsm.tokenOptions(TOKEN);
    hsm = ['--hsm', '--module', token.module, '--token-label', TOKEN, '--pin-file', token.pinFile];
    dir = await mkdtemp(join(tmpdir(), 'domicile-rotate-hsm-'));
    db = `sqlite:${join(dir, 'us.db')}`;
    for (const args of [
      ['keys', 'generate', '--config', REGIONS_CONFIG, '--out', dir, ...hsm],
      ['directory', 'sign', '--config', REGIONS_CONFIG, '--dir', dir],
    ])
      expect((await run(args)).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await softHsm?.remove();
  });

  const rotate = (purpose: string, ...more: string[]) => [
    ...['keys', 'rotate', '--dir', dir, '--region', 'us', '--purpose', purpose],
    ...more,
  ];

  it('makes the new signing, TSM and KEK keys in the token, lists them by label, and records each rotation', async () => {
    const before = await loadRegionKeySet(paths.regionKeys(dir, 'us'));
    const made: Record<string, string> = {};
    for (const purpose of ['signing', 'tsm', 'kek']) {
      const { code, stdout, stderr } = await run(rotate(purpose, ...hsm, '--db', db, '--json'));
      expect(code, stderr).toBe(0);
      const printed = JSON.parse(stdout[0] ?? '{}') as { kid?: string; kekId?: string };
      made[purpose] = printed.kid ?? printed.kekId ?? '';
      expect(made[purpose]).toMatch(new RegExp(`^us-${purpose}-[0-9a-f]{8}$`));
      expect(printed).toMatchObject({ store: 'hsm', audited: true });
    }
    const keys = await loadRegionKeySet(paths.regionKeys(dir, 'us'));
    expect(keys.signing.map((k) => [k.kid, k.d])).toEqual([
      [before.signing[0]?.kid, undefined],
      [made.signing, undefined],
    ]);
    expect(keys.tsm.map((k) => k.kid)).toEqual([before.tsm[0]?.kid, made.tsm]);
    expect(keys.secrets.vaultKekId).toBe(made.kek);
    expect(keys.secrets.vaultKeks?.map((k) => k.id)).toEqual([before.secrets.vaultKekId, made.kek]);
    expect(keys.secrets.vaultKek).toBeUndefined();
    expect(keys.secrets.vaultKeks?.map((k) => k.key)).toEqual([undefined, undefined]);

    // The audit rows name the purpose and the kids, never key material.
    const exported = await run(['audit', 'export', '--region', 'us', '--db', db]);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = exported.stdout
      .join('\n')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { action: string; subject: string; detail: unknown });
    expect(rows.filter((r) => r.action === 'key.rotated')).toEqual([
      expect.objectContaining({
        subject: made.signing,
        detail: { purpose: 'signing', previousKid: before.signing[0]?.kid },
      }),
      expect.objectContaining({
        subject: made.tsm,
        detail: { purpose: 'tsm', previousKid: before.tsm[0]?.kid },
      }),
      expect.objectContaining({
        subject: made.kek,
        detail: { purpose: 'kek', previousKid: before.secrets.vaultKekId },
      }),
    ]);

    // The key file opens against the token: every listed key is found there.
    const keyring = await openRegionKeyring(keys, { kind: 'pkcs11', token });
    expect(keyring.keyProvider.kekId).toBe(made.kek);
    expect(keyring.signing.kid).toBe(made.signing);
    await keyring.close();

    // Retired with --destroy, the old KEK leaves the key file and the token.
    const retire = [
      ...['keys', 'retire', '--region', 'us', '--purpose', 'kek'],
      ...['--id', before.secrets.vaultKekId, '--dir', dir, '--db', db, '--json'],
    ];
    expect((await run([...retire, '--destroy'])).code).toBe(2);
    const retired = await run([...retire, '--destroy', ...hsm]);
    expect(retired.code, retired.stderr).toBe(0);
    expect(JSON.parse(retired.stdout[0] ?? '{}')).toMatchObject({ store: 'hsm', destroyed: true });
    const after = await loadRegionKeySet(paths.regionKeys(dir, 'us'));
    expect(after.secrets.vaultKeks?.map((k) => k.id)).toEqual([made.kek]);
    await expect(
      openRegionKeyring(
        { ...after, secrets: { ...after.secrets, vaultKekId: before.secrets.vaultKekId } },
        { kind: 'pkcs11', token },
      ),
    ).rejects.toMatchObject({ code: 'HSM_KEY_NOT_FOUND' });
  }, 120_000);

  it('refuses an encryption key in the HSM, and token options without --hsm, changing nothing', async () => {
    const before = await readFile(paths.regionKeys(dir, 'us'), 'utf8');
    for (const args of [
      rotate('encryption', ...hsm),
      rotate('signing', '--module', token.module),
    ]) {
      const { code, stderr } = await run(args);
      expect(code).toBe(2);
      expect(stderr).toContain('CONFIG_INVALID');
      expect(stderr).not.toContain(softHsm.pin);
    }
    expect(await readFile(paths.regionKeys(dir, 'us'), 'utf8')).toBe(before);
  });
});
