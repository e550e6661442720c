import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DomicileError,
  generateKeyPairJwk,
  toPublicJwk,
  type PrivateJwk,
  type RegionsConfig,
} from '@domicile/protocol';
import { TEST_CARDS, type TrustedIssuerConfig } from '@domicile/region';
import { writeJsonFile } from './write-new-file.js';

/**
 * The sandbox issuer of one region in a local deployment: the key it signs issuer API requests
 * with, and the region's sandbox card products it owns. Kept in `keys/<region>.sandbox-issuer.json`.
 */
export interface SandboxIssuerKey {
  readonly issuerId: string;
  readonly region: string;
  readonly privateJwk: PrivateJwk;
  readonly productIds: readonly string[];
}

export const sandboxIssuerKeyFile = (dir: string, region: string): string =>
  join(dir, 'keys', `${region}.sandbox-issuer.json`);

/** The sandbox products of a region: those of its documented test cards. */
export function sandboxProductIds(region: string): string[] {
  return [
    ...new Set(
      TEST_CARDS.filter((c) => c.region === region && c.productId !== undefined).map(
        (c) => c.productId ?? '',
      ),
    ),
  ];
}

/**
 * A new issuer API key: the issuer's id, the region whose issuer API it calls, and the card
 * products it may act on there. The same file shape serves the sandbox issuers and any other.
 */
export async function generateIssuerKey(issuer: {
  readonly issuerId: string;
  readonly region: string;
  readonly productIds: readonly string[];
}): Promise<SandboxIssuerKey> {
  const { privateJwk } = await generateKeyPairJwk('sig');
  return { ...issuer, privateJwk };
}

/** Saves an issuer key (mode 0600); an existing file is refused unless `force`. */
export function writeIssuerKey(
  file: string,
  key: SandboxIssuerKey,
  options: { readonly force?: boolean } = {},
): Promise<void> {
  return writeJsonFile(file, key, { mode: 0o600, ...options });
}

/** Generates and saves (mode 0600) a sandbox issuer key for every region of the deployment. */
export async function generateSandboxIssuers(
  dir: string,
  config: RegionsConfig,
): Promise<ReadonlyMap<string, SandboxIssuerKey>> {
  const issuers = new Map<string, SandboxIssuerKey>();
  for (const { id: region } of config.regions) {
    const key = await generateIssuerKey({
      issuerId: `sandbox-${region}`,
      region,
      productIds: sandboxProductIds(region),
    });
    // A local deployment starts over in its folder: `demo --data-dir` run twice replaces its keys.
    await writeIssuerKey(sandboxIssuerKeyFile(dir, region), key, { force: true });
    issuers.set(region, key);
  }
  return issuers;
}

/** Reads a sandbox issuer key file (or any file of the same shape). */
export async function readSandboxIssuerKey(file: string): Promise<SandboxIssuerKey> {
  let parsed: Partial<SandboxIssuerKey> | null;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<SandboxIssuerKey> | null;
  } catch (cause) {
    throw new DomicileError('CONFIG_INVALID', { details: { file }, cause });
  }
  const key = parsed?.privateJwk;
  if (
    typeof parsed?.issuerId !== 'string' ||
    typeof parsed.region !== 'string' ||
    typeof key?.d !== 'string' ||
    typeof key.kid !== 'string'
  ) {
    throw new DomicileError('CONFIG_INVALID', {
      details: { file, reason: 'not an issuer key file' },
    });
  }
  return {
    issuerId: parsed.issuerId,
    region: parsed.region,
    privateJwk: key,
    productIds: parsed.productIds ?? [],
  };
}

/** How a region's configuration lists a sandbox issuer: its public key only. */
export function trustedSandboxIssuer(key: SandboxIssuerKey): TrustedIssuerConfig {
  return { id: key.issuerId, publicKey: toPublicJwk(key.privateJwk), productIds: key.productIds };
}
