import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DomicileError,
  buildDirectoryDocument,
  generateKeyPairJwk,
  parseRegionsConfig,
  signDirectory,
  toPublicJwk,
  type PrivateJwk,
  type PublicJwk,
  type RegionsConfig,
  definedProps,
} from '@domicile/protocol';
import {
  generateRegionKeySet,
  generateRegionKeySetsInToken,
  loadRegionKeySet,
  directoryKeysOf,
  readKeyFile,
  rotateRegionKey,
  saveRegionKeySet,
  type RegionKey,
  type RegionKeyPurpose,
  type Pkcs11TokenOptions,
  type RegionKeySet,
  type RotationTimes,
} from '@domicile/region';
import { writeJsonFile } from './write-new-file.js';

/**
 * The files of a deployment, as the directory authority and the regions keep them:
 *   keys/authority.private.jwk.json  the authority's signing key (offline in production)
 *   keys/authority.public.jwk.json   pinned by every region and device
 *   keys/authority.previous.private.jwk.json  the key before `authority rotate`: it co-signs the
 *                                    directory until every holder has moved its pin (then delete it)
 *   keys/<region>.keys.json          one region's keys and secrets (only that region reads it)
 *   keys/<network>.network.json      a card network router's signing key (only that router reads it)
 *   directory.jws                    the signed region directory
 */
export const paths = {
  authorityPrivate: (dir: string) => join(dir, 'keys', 'authority.private.jwk.json'),
  authorityPublic: (dir: string) => join(dir, 'keys', 'authority.public.jwk.json'),
  authorityPrevious: (dir: string) => join(dir, 'keys', 'authority.previous.private.jwk.json'),
  regionKeys: (dir: string, region: string) => join(dir, 'keys', `${region}.keys.json`),
  networkKey: (dir: string, network: string) => join(dir, 'keys', `${network}.network.json`),
  directory: (dir: string) => join(dir, 'directory.jws'),
};

export async function readRegionsConfig(file: string): Promise<RegionsConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new DomicileError('CONFIG_INVALID', { details: { file }, cause });
  }
  return parseRegionsConfig(text);
}

/**
 * Generates the authority key, every region's key set and every network's signing key (mode
 * 0600 each; the authority's public key 0644). Without `force` it refuses, before writing
 * anything, when one of those files exists. With `options.hsm`, each region's signing key, TSM
 * key and vault KEK are made in that PKCS#11 token (not extractable) and its key file holds only
 * their public halves and the KEK's id, each the label of its key in the token.
 */
export async function generateKeys(
  dir: string,
  config: RegionsConfig,
  options: { readonly force?: boolean; readonly hsm?: Pkcs11TokenOptions } = {},
): Promise<void> {
  await mkdir(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const force = options.force === true;
  if (!force) {
    // A new key set beside an old authority key would be half a deployment: check them all first.
    for (const file of [
      paths.authorityPrivate(dir),
      paths.authorityPublic(dir),
      ...config.regions.map((r) => paths.regionKeys(dir, r.id)),
      ...(config.networks ?? []).map((n) => paths.networkKey(dir, n.id)),
    ]) {
      if (await exists(file))
        throw new DomicileError('FILE_EXISTS', { details: { file, option: '--force' } });
    }
  }
  // Before any file is written: a wrong PIN or module leaves no half-made deployment behind.
  const inToken =
    options.hsm === undefined
      ? undefined
      : await generateRegionKeySetsInToken(
          options.hsm,
          config.regions.map((r) => r.id),
        );
  const authority = await generateKeyPairJwk('sig');
  await writeJsonFile(paths.authorityPrivate(dir), authority.privateJwk, { mode: 0o600, force });
  await writeJsonFile(paths.authorityPublic(dir), authority.publicJwk, { mode: 0o644, force });
  for (const [i, region] of config.regions.entries())
    await saveRegionKeySet(
      paths.regionKeys(dir, region.id),
      inToken?.[i] ?? (await generateRegionKeySet(region.id)),
    );
  for (const network of config.networks ?? []) await generateNetworkKey(dir, network.id, { force });
}

/**
 * Generates a card network router's signing key into `keys/<network>.network.json` (mode 0600);
 * the directory, signed next, lists its public half, which is how every region trusts it.
 */
export async function generateNetworkKey(
  dir: string,
  network: string,
  options: { readonly force?: boolean } = {},
): Promise<{ readonly file: string; readonly kid: string }> {
  await mkdir(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const { privateJwk } = await generateKeyPairJwk('sig');
  const file = paths.networkKey(dir, network);
  await writeJsonFile(file, { network, signing: privateJwk }, { mode: 0o600, ...options });
  return { file, kid: privateJwk.kid };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** A network router's signing key, from `keys/<network>.network.json`. */
export async function readNetworkKey(dir: string, network: string): Promise<PrivateJwk> {
  const file = paths.networkKey(dir, network);
  const stored = await readJson<{ network?: unknown; signing?: PrivateJwk }>(file);
  if (
    stored.network !== network ||
    typeof stored.signing?.d !== 'string' ||
    typeof stored.signing.kid !== 'string'
  ) {
    throw new DomicileError('CONFIG_INVALID', { details: { file } });
  }
  return stored.signing;
}

/** Builds and signs the directory from the config and each region's public keys. */
export async function signDeploymentDirectory(
  dir: string,
  config: RegionsConfig,
  options: {
    serial?: number;
    baseUrls?: ReadonlyMap<string, string>;
    networkBaseUrls?: ReadonlyMap<string, string>;
  } = {},
): Promise<string> {
  const keys = new Map<string, ReturnType<typeof directoryKeysOf>>();
  for (const region of config.regions)
    keys.set(region.id, directoryKeysOf(await loadRegionKeySet(paths.regionKeys(dir, region.id))));
  const authority = await authoritySigners(dir);
  const doc = buildDirectoryDocument(config, keys, {
    serial: options.serial ?? (await nextSerial(dir)),
    ...definedProps({ authority: authority.rotatedTo }),
    ...definedProps({ baseUrls: options.baseUrls, networkBaseUrls: options.networkBaseUrls }),
    networkKeys: new Map(
      await Promise.all(
        (config.networks ?? []).map(
          async (n) => [n.id, toPublicJwk(await readNetworkKey(dir, n.id))] as const,
        ),
      ),
    ),
  });
  const jws = await signDirectory(doc, authority.signers);
  await writeFile(paths.directory(dir), `${jws}\n`);
  return jws;
}

/**
 * The serial the next directory gets: one more than the deployment's current `directory.jws`
 * (read as the operator's own file, not verified), or now in seconds for the first one.
 */
/** One more than the serial of the directory in `dir`; a first directory starts at the current second. */
export async function nextSerial(dir: string): Promise<number> {
  let text: string;
  try {
    text = (await readFile(paths.directory(dir), 'utf8')).trim();
  } catch {
    return Math.floor(Date.now() / 1000);
  }
  try {
    const payload = text.startsWith('{')
      ? (JSON.parse(text) as { payload: string }).payload
      : (text.split('.')[1] ?? '');
    const { serial } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      serial?: unknown;
    };
    if (typeof serial === 'number' && Number.isSafeInteger(serial)) return serial + 1;
  } catch {
    // An unreadable old directory is replaced; its serial cannot be continued.
  }
  return Math.floor(Date.now() / 1000);
}

/**
 * Who signs the directory: the authority key, and during an authority rotation its previous key
 * as well (JWS JSON serialization with both signatures), the document then naming the new key.
 */
async function authoritySigners(
  dir: string,
): Promise<{ signers: PrivateJwk[]; rotatedTo: PublicJwk | undefined }> {
  const current = await readJson<PrivateJwk>(paths.authorityPrivate(dir));
  if (!(await fileExists(paths.authorityPrevious(dir))))
    return { signers: [current], rotatedTo: undefined };
  const previous = await readJson<PrivateJwk>(paths.authorityPrevious(dir));
  return { signers: [previous, current], rotatedTo: toPublicJwk(current) };
}

/**
 * Replaces the authority key: the current private key becomes the previous one (which keeps
 * co-signing), a new key pair becomes the authority's. Returns the two kids. A previous key
 * still there from an earlier rotation is dropped: holders that missed that one must be given
 * the authority key again.
 */
export async function rotateAuthorityKey(
  dir: string,
): Promise<{ previousKid: string; kid: string; droppedKid: string | undefined }> {
  const current = await readJson<PrivateJwk>(paths.authorityPrivate(dir));
  const dropped = (await fileExists(paths.authorityPrevious(dir)))
    ? await readJson<PrivateJwk>(paths.authorityPrevious(dir))
    : undefined;
  const next = await generateKeyPairJwk('sig');
  await writeJsonFile(paths.authorityPrevious(dir), current, { mode: 0o600, force: true });
  await writeJsonFile(paths.authorityPrivate(dir), next.privateJwk, { mode: 0o600, force: true });
  await writeJsonFile(paths.authorityPublic(dir), next.publicJwk, { mode: 0o644, force: true });
  return { previousKid: current.kid, kid: next.privateJwk.kid, droppedKid: dropped?.kid };
}

/**
 * Adds a new key for a region's signing, encryption or TSM purpose to its key file; the keys it
 * replaces stay accepted for `retireAfter` seconds after it activates. Sign the directory next.
 */
export async function rotateRegionKeyFile(
  dir: string,
  region: string,
  purpose: RegionKeyPurpose,
  times: RotationTimes,
): Promise<{ added: RegionKey; keys: RegionKeySet }> {
  const file = paths.regionKeys(dir, region);
  const rotated = await rotateRegionKey(await loadRegionKeySet(file), purpose, times);
  await saveRegionKeySet(file, rotated.keys);
  return { added: rotated.key, keys: rotated.keys };
}

async function fileExists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

export async function readAuthorityPublicKey(file: string): Promise<PublicJwk> {
  return readJson<PublicJwk>(file);
}

export async function readDirectory(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (cause) {
    throw new DomicileError('CONFIG_INVALID', { details: { file }, cause });
  }
}

export function readRegionKeys(dir: string, region: string): Promise<RegionKeySet> {
  return loadRegionKeySet(paths.regionKeys(dir, region));
}

/** Every JSON file read here is a key file: its errors are `KEY_FILE_UNREADABLE`. */
async function readJson<T>(file: string): Promise<T> {
  return (await readKeyFile(file)) as T;
}
