import type { Command } from 'commander';
import {
  describeValidity,
  loadRegionKeySet,
  rotateRegionKey,
  rotateRegionKeyInHsm,
  type RegionKeyPurpose,
} from '@domicile/region';
import { paths } from '../deployment/deployment-files.js';
import { UsageError, type CliIo } from '../io/index.js';
import { hsmOf, withHsmOptions, type HsmOptions } from './hsm-options.js';
import { needsDb, printRewrapProgress } from './kek-commands.js';
import { replaceKeyFile, rotateVaultKek } from './kek-rotation.js';
import { recordRotation } from './record-rotation.js';

/** The options of `domicile keys rotate`, as commander parses them. */
export interface KeysRotateOptions extends HsmOptions {
  readonly dir: string;
  readonly region: string;
  readonly purpose: string;
  readonly retireAfter: string;
  readonly activateAfter: string;
  /** The region's database: the rotation's audit row, and for the KEK the re-wrap to follow. */
  readonly db?: string;
  readonly wait?: boolean;
  readonly intervalMs: string;
  readonly timeoutMs?: string;
  readonly json?: boolean;
}

/** What `keys rotate --purpose P` does for one purpose. */
export type KeyRotation = (opts: KeysRotateOptions, io: CliIo) => Promise<void>;

/**
 * One entry per `--purpose`. A purpose with another procedure (the vault KEK: re-wrapping while
 * the region serves) adds its entry here, and its own options to the command below.
 */
export const KEY_ROTATIONS: Readonly<Record<string, KeyRotation>> = {
  signing: rotateJoseKey('signing'),
  encryption: rotateJoseKey('encryption'),
  tsm: rotateJoseKey('tsm'),
  kek: rotateKek,
};

/** `domicile keys rotate`: registered on the `keys` command. */
export function registerKeyRotateCommand(keys: Command, io: CliIo): Command {
  const rotate = keys
    .command('rotate')
    .description(
      "add a new key for a region's purpose: a replaced signing, encryption or TSM key stays accepted until --retire-after (then run `directory sign`); a new vault KEK is re-wrapped to in the background",
    )
    .requiredOption('--dir <dir>', 'deployment folder made by `keys generate`')
    .requiredOption('--region <id>', 'the region whose key rotates')
    .requiredOption('--purpose <purpose>', Object.keys(KEY_ROTATIONS).join('|'))
    .option(
      '--retire-after <duration>',
      'how long the replaced key stays accepted after the new one activates (s, m, h, d)',
      '7d',
    )
    .option(
      '--activate-after <duration>',
      'when the new key starts signing and being encrypted to (0: at once)',
      '0',
    )
    .option(
      '--db <url>',
      "the region's database: the rotation's audit row (key.rotated); kek: the re-wrap --wait follows",
    );
  return withHsmOptions(
    rotate,
    'make the new signing, TSM or KEK key in a PKCS#11 token (not extractable), labelled <region>-<purpose>-<8 hex>; the key file lists it by label',
  )
    .option(
      '--wait',
      'kek: wait until every record is re-wrapped (needs --db and a running region)',
    )
    .option('--interval-ms <n>', 'kek: how often --wait reads the progress', '1000')
    .option('--timeout-ms <n>', 'kek: give up waiting after this long')
    .option('--json', 'print the result as JSON')
    .action(async (opts: KeysRotateOptions) => {
      const rotation = KEY_ROTATIONS[opts.purpose];
      if (rotation === undefined)
        throw new UsageError('VALIDATION_FAILED', {
          option: '--purpose',
          reason: `one of ${Object.keys(KEY_ROTATIONS).join(', ')}`,
        });
      await rotation(opts, io);
    });
}

/**
 * A new vault KEK, current for new records; the region's nodes, restarted with it, re-wrap every
 * record in the background (`docs/kek-rotation.md`).
 */
async function rotateKek(opts: KeysRotateOptions, io: CliIo): Promise<void> {
  if (opts.wait === true) needsDb(opts.db);
  const hsm = hsmOf(opts);
  const { db } = opts;
  const rotation = await rotateVaultKek(opts.dir, opts.region, {
    hsm,
    ...(db === undefined
      ? {}
      : {
          beforeSave: ({ kekId, previousKid }) =>
            recordRotation(db, { purpose: 'kek', kid: kekId, previousKid }, now(io)),
        }),
  });
  io.print(opts, { ...rotation, audited: db !== undefined }, (r) => [
    `vault KEK ${r.kekId} is now the current one of region ${r.region} (${r.keyFile}${r.store === 'hsm' ? ', in the PKCS#11 token' : ''})`,
    `restart the region's nodes: they wrap new records under it and re-wrap ${r.previous.join(', ')} records in the background`,
  ]);
  if (opts.wait === true) await printRewrapProgress(io, opts, true);
}

function rotateJoseKey(purpose: RegionKeyPurpose): KeyRotation {
  return async (opts, io) => {
    const hsm = hsmOf(opts);
    if (hsm !== undefined && purpose === 'encryption')
      throw new UsageError('CONFIG_INVALID', {
        option: '--hsm',
        reason: 'the region decrypts card details itself: its encryption key is never in the HSM',
      });
    const times = {
      now: Math.floor(io.parts.now() / 1000),
      activateAfter: parseDuration(opts.activateAfter, '--activate-after'),
      retireAfter: parseDuration(opts.retireAfter, '--retire-after'),
    };
    const keyFile = paths.regionKeys(opts.dir, opts.region);
    const before = await loadRegionKeySet(keyFile);
    const previousKid = before[purpose].at(-1)?.kid;
    const { keys, key } =
      hsm === undefined || purpose === 'encryption'
        ? await rotateRegionKey(before, purpose, times)
        : await rotateRegionKeyInHsm(hsm, before, purpose, times).then(({ keys, key }) => {
            if (key === undefined) throw new Error('a signing or TSM rotation lists its key');
            return { keys, key };
          });
    // The audit row first: a rotation the chain cannot record does not happen.
    if (opts.db !== undefined)
      await recordRotation(opts.db, { purpose, kid: key.kid, previousKid }, now(io));
    await replaceKeyFile(keyFile, keys);
    const result = {
      region: opts.region,
      purpose,
      kid: key.kid,
      store: key.d === undefined ? 'hsm' : 'file',
      audited: opts.db !== undefined,
      keys: keys[purpose].map((k) => ({
        kid: k.kid,
        notBefore: k.notBefore ?? 0,
        ...(k.notAfter === undefined ? {} : { notAfter: k.notAfter }),
      })),
    };
    io.print(opts, result, (r) => [
      `${r.region} ${r.purpose} key ${r.kid} added${r.store === 'hsm' ? ' in the PKCS#11 token' : ''}; the region's ${r.purpose} keys:`,
      ...keys[purpose].map((k) => `  ${describeValidity(k)}`),
      'next: `domicile directory sign`, then restart every region with the new directory',
    ]);
  };
}

function now(io: CliIo): Date {
  return new Date(io.parts.now());
}

/** `90`, `90s`, `15m`, `12h`, `7d` → seconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (match === null)
    throw new UsageError('VALIDATION_FAILED', { option, reason: 'a duration: 90s, 15m, 12h, 7d' });
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
