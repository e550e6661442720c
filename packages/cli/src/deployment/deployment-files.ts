import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
  publicKeysOf,
  readKeyFile,
  saveRegionKeySet,
  type Pkcs11TokenOptions,
  type RegionKeySet,
} from '@domicile/region';

/**
 * The files of a deployment, as the directory authority and the regions keep them:
 *   keys/authority.private.jwk.json  the authority's signing key (offline in production)
 *   keys/authority.public.jwk.json   pinned by every region and device
 *   keys/<region>.keys.json          one region's keys and secrets (only that region reads it)
 *   keys/<network>.network.json      a card network router's signing key (only that router reads it)
 *   directory.jws                    the signed region directory
 */
export const paths = {
  authorityPrivate: (dir: string) => join(dir, 'keys', 'authority.private.jwk.json'),
  authorityPublic: (dir: string) => join(dir, 'keys', 'authority.public.jwk.json'),
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
 * Generates the authority key and every region's key set; refuses nothing, overwrites nothing it
 * is not asked to. With `options.hsm`, each region's signing key, TSM key and vault KEK are made
 * in that PKCS#11 token (not extractable) and its key file holds only their public halves and
 * the KEK's id, each the label of its key in the token.
 */
export async function generateKeys(
  dir: string,
  config: RegionsConfig,
  options: { readonly hsm?: Pkcs11TokenOptions } = {},
): Promise<void> {
  // Before any file is written: a wrong PIN or module leaves no half-made deployment behind.
  const inToken =
    options.hsm === undefined
      ? undefined
      : await generateRegionKeySetsInToken(
          options.hsm,
          config.regions.map((r) => r.id),
        );
  await mkdir(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const authority = await generateKeyPairJwk('sig');
  await writeJson(paths.authorityPrivate(dir), authority.privateJwk, 0o600);
  await writeJson(paths.authorityPublic(dir), authority.publicJwk, 0o644);
  for (const [i, region] of config.regions.entries())
    await saveRegionKeySet(
      paths.regionKeys(dir, region.id),
      inToken?.[i] ?? (await generateRegionKeySet(region.id)),
    );
  for (const network of config.networks ?? []) {
    await writeJson(
      paths.networkKey(dir, network.id),
      { network: network.id, signing: (await generateKeyPairJwk('sig')).privateJwk },
      0o600,
    );
  }
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
  const keys = new Map<string, ReturnType<typeof publicKeysOf>>();
  for (const region of config.regions)
    keys.set(region.id, publicKeysOf(await loadRegionKeySet(paths.regionKeys(dir, region.id))));
  const doc = buildDirectoryDocument(config, keys, {
    serial: options.serial ?? Math.floor(Date.now() / 1000),
    ...definedProps({ baseUrls: options.baseUrls, networkBaseUrls: options.networkBaseUrls }),
    networkKeys: new Map(
      await Promise.all(
        (config.networks ?? []).map(
          async (n) => [n.id, toPublicJwk(await readNetworkKey(dir, n.id))] as const,
        ),
      ),
    ),
  });
  const jws = await signDirectory(doc, await readJson<PrivateJwk>(paths.authorityPrivate(dir)));
  await writeFile(paths.directory(dir), `${jws}\n`);
  return jws;
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

async function writeJson(file: string, value: unknown, mode: number): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`, { mode });
}
