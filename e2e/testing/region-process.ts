import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wallet, type AddCardHooks, type AppletView } from '@domicile/device';
import { paths, readAuthorityPublicKey, readDirectory } from '@domicile/cli';
import type { PublicJwk } from '@domicile/protocol';
import { startService, type ServiceProcess } from '../../bench/service-process.js';
import { createDeploymentFolder } from './deployment-folder.js';
import { PASSPHRASE, cardInput, testCard } from './e2e-deployment.js';

const CLI = fileURLToPath(new URL('../../packages/cli/bin/domicile.js', import.meta.url));

/**
 * Keys and a signed directory for `config/regions.yaml` on free loopback ports, in a temp folder,
 * for tests that run regions as real `domicile region serve` processes, to SIGKILL them.
 */
export interface RegionProcessDeployment {
  readonly dir: string;
  readonly directoryJws: string;
  readonly authorityKey: PublicJwk;
  baseUrl(region: string): string;
  logFile(region: string): string;
  /** The URL of a SQLite file for the region in the folder. */
  sqliteUrl(region: string): string;
  /**
   * Starts a region process on `databaseUrl`, asking the issuer at `issuerUrl` (default: the
   * sandbox issuer), with more `region serve` arguments `args`.
   */
  startRegion(options: {
    region: string;
    databaseUrl: string;
    issuerUrl?: string;
    args?: readonly string[];
  }): Promise<ServiceProcess>;
  /** A new wallet file in the folder, registered at `home`. */
  registeredWallet(home: string, name: string): Promise<Wallet>;
  cleanup(): Promise<void>;
}

export async function createRegionProcessDeployment(): Promise<RegionProcessDeployment> {
  const { dir, baseUrl } = await createDeploymentFolder('domicile-process-');
  const directoryJws = await readDirectory(paths.directory(dir));
  const authorityKey = await readAuthorityPublicKey(paths.authorityPublic(dir));
  const logFile = (region: string): string => join(dir, `${region}.log`);
  return {
    dir,
    directoryJws,
    authorityKey,
    baseUrl,
    logFile,
    sqliteUrl: (region) => `sqlite:${join(dir, `${region}.db`)}`,
    startRegion: ({ region, databaseUrl, issuerUrl, args = [] }) =>
      startService({
        name: `region ${region}`,
        args: [
          CLI,
          ...['region', 'serve', '--region', region, '--dir', dir, '--db', databaseUrl],
          ...['--log-file', logFile(region)],
          ...(issuerUrl === undefined ? [] : ['--issuer-url', issuerUrl]),
          ...args,
        ],
        ready: /^region \S+ listening on /,
      }),
    registeredWallet: async (home, name) => {
      const wallet = await Wallet.create({
        path: join(dir, `${name}.wallet`),
        passphrase: PASSPHRASE,
        authorityKey,
        bootstrapUrl: baseUrl(home),
        homeRegion: home,
      });
      await wallet.register({ name: 'Process Test', email: `${name}@example.com` });
      return wallet;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

const refusal = (): Promise<never> => Promise.reject(new Error('no ID&V for a green card'));

/** What a user does for a green card: accepts the terms; it asks for no ID&V. */
const GREEN_CARD_HOOKS: AddCardHooks = {
  acceptTerms: () => Promise.resolve(true),
  chooseIdvMethod: refusal,
  readOtp: refusal,
};

/**
 * Adds `region`'s green test card to the wallet; resolves when the card is active. `onStep`
 * follows the provisioning steps.
 */
export function addGreenCard(
  wallet: Wallet,
  region: string,
  onStep?: AddCardHooks['onStep'],
): Promise<AppletView> {
  return wallet.addCard(cardInput(testCard(region, 'green')), {
    ...GREEN_CARD_HOOKS,
    ...(onStep === undefined ? {} : { onStep }),
  });
}
