import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ckrOf } from './pkcs11-binding.js';
import type { Pkcs11Token, Pkcs11TokenOptions } from './pkcs11-token.js';

const run = promisify(execFile);

/** Where Debian, Ubuntu, Fedora and Homebrew put SoftHSM2's PKCS#11 library. */
const MODULE_PATHS = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

/** SoftHSM2's library on this machine (`SOFTHSM2_MODULE` overrides), or undefined. */
export const SOFTHSM_MODULE: string | undefined = [process.env.SOFTHSM2_MODULE, ...MODULE_PATHS]
  .filter((path): path is string => path !== undefined && path !== '')
  .find((path) => existsSync(path));

if (SOFTHSM_MODULE === undefined)
  console.warn(
    'SoftHSM2 is not installed: PKCS#11 tests are skipped (scripts/ensure-softhsm.sh installs it).',
  );

/** A SoftHSM2 token store of its own in a temporary folder, for one test file. */
export interface SoftHsm {
  readonly module: string;
  /** The user PIN of every token made here, and a file holding it. */
  readonly pin: string;
  readonly pinFile: string;
  readonly dir: string;
  /** Initializes a new token with this label (and the PIN above); returns its slot id. */
  initToken(label: string): Promise<number>;
  /** Options that open the token with this label. */
  tokenOptions(label: string): Pkcs11TokenOptions;
  /** Writes a file holding `text` (a wrong PIN, say) and returns its path. */
  writeFile(name: string, text: string): Promise<string>;
  /** Removes the folder; close every token first, so the library is finalized. */
  remove(): Promise<void>;
}

/**
 * Points SoftHSM2 at a fresh token folder (`SOFTHSM2_CONF` is read at `C_Initialize`, so set it
 * before the first token opens) and initializes the given tokens in it.
 */
export async function createSoftHsm(...labels: string[]): Promise<SoftHsm> {
  const module = SOFTHSM_MODULE;
  if (module === undefined) throw new Error('SoftHSM2 is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'domicile-softhsm-'));
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(
    conf,
    `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  await mkdir(join(dir, 'tokens'));
  const previousConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  const pin = randomBytes(8).toString('hex');
  const pinFile = join(dir, 'pin');
  await writeFile(pinFile, `${pin}\n`, { mode: 0o600 });
  const softHsm: SoftHsm = {
    module,
    pin,
    pinFile,
    dir,
    initToken: async (label) => {
      const soPin = randomBytes(8).toString('hex');
      const args = ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin];
      const { stdout } = await run('softhsm2-util', args, {
        env: { ...process.env, SOFTHSM2_CONF: conf },
      });
      const slot = /reassigned to slot (\d+)/.exec(stdout)?.[1];
      if (slot === undefined) throw new Error(`softhsm2-util did not name the slot: ${stdout}`);
      return Number(slot);
    },
    tokenOptions: (label) => ({ module, token: { label }, pinFile }),
    writeFile: async (name, text) => {
      const path = join(dir, name);
      await writeFile(path, text, { mode: 0o600 });
      return path;
    },
    remove: async () => {
      if (previousConf === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previousConf;
      await rm(dir, { recursive: true, force: true });
    },
  };
  for (const label of labels) await softHsm.initToken(label);
  return softHsm;
}

/**
 * Puts an AES key with a known value in the token (a KEK carried over from a key file, or a key
 * the region must refuse): sensitive and not extractable unless told otherwise.
 */
export function importAesKey(
  token: Pkcs11Token,
  label: string,
  value: Buffer,
  options: { readonly extractable?: boolean } = {},
): Promise<void> {
  const b = token.binding;
  const extractable = options.extractable ?? false;
  return token.withSession((session) => {
    token.pkcs11.C_CreateObject(session, [
      { type: b.CKA_CLASS, value: b.CKO_SECRET_KEY },
      { type: b.CKA_KEY_TYPE, value: b.CKK_AES },
      { type: b.CKA_TOKEN, value: true },
      { type: b.CKA_PRIVATE, value: true },
      { type: b.CKA_LABEL, value: label },
      { type: b.CKA_VALUE, value },
      { type: b.CKA_SENSITIVE, value: !extractable },
      { type: b.CKA_EXTRACTABLE, value: extractable },
      { type: b.CKA_WRAP, value: true },
      { type: b.CKA_UNWRAP, value: true },
    ]);
  });
}

/** Makes an EC key pair on another curve than P-256 (P-384), which the region must refuse. */
export function generateP384KeyPair(token: Pkcs11Token, label: string): Promise<void> {
  const b = token.binding;
  const common = [
    { type: b.CKA_TOKEN, value: true },
    { type: b.CKA_LABEL, value: label },
  ];
  return token.withSession(async (session) => {
    await token.pkcs11.C_GenerateKeyPairAsync(
      session,
      { mechanism: b.CKM_EC_KEY_PAIR_GEN },
      [...common, { type: b.CKA_EC_PARAMS, value: Buffer.from('06052b81040022', 'hex') }],
      [...common, { type: b.CKA_SIGN, value: true }, { type: b.CKA_SENSITIVE, value: true }],
    );
  });
}

/** What the token says of a key: its one-way flags, and how it answers a read of its value. */
export interface KeyExposure {
  readonly sensitive: boolean;
  readonly extractable: boolean;
  readonly onToken: boolean;
  /** `CKR_ATTRIBUTE_SENSITIVE` for a key that stays inside; `read` when the value came out. */
  readonly readingValue: string;
}

/** How exposed the key of class `keyClass` (a `CKO_*`) under `label` is. */
export function keyExposure(
  token: Pkcs11Token,
  label: string,
  keyClass: number,
): Promise<KeyExposure> {
  const b = token.binding;
  return token.withSession((session) => {
    const [key] = token.findObjects(session, [
      { type: b.CKA_LABEL, value: label },
      { type: b.CKA_CLASS, value: keyClass },
    ]);
    if (key === undefined) throw new Error(`no key under ${label}`);
    const flag = (type: number): boolean =>
      token.readAttributes(session, key, [type]).get(type)?.[0] === 1;
    let readingValue = 'read';
    try {
      token.readAttributes(session, key, [b.CKA_VALUE]);
    } catch (error) {
      readingValue = ckrOf(error) ?? String(error);
    }
    return {
      sensitive: flag(b.CKA_SENSITIVE),
      extractable: flag(b.CKA_EXTRACTABLE),
      onToken: flag(b.CKA_TOKEN),
      readingValue,
    };
  });
}

/** The exposure of a key generated for the region: none. */
export const KEPT_INSIDE: KeyExposure = {
  sensitive: true,
  extractable: false,
  onToken: true,
  readingValue: 'CKR_ATTRIBUTE_SENSITIVE',
};
