import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wallet, sandboxIdvHooks, type AddCardHooks } from '@domicile/device';
import {
  startLocalDeployment,
  type LocalDeployment,
  type LocalDeploymentOptions,
} from '@domicile/cli';
import { TEST_CARDS, type TestCard } from '@domicile/region';

export const CONFIG_FILE = fileURLToPath(new URL('../../config/regions.yaml', import.meta.url));
export const PASSPHRASE = 'e2e wallet passphrase';

/** Three real regions on loopback ports, each with its own database file and log, in a temp folder. */
export async function startE2eDeployment(
  options: Partial<Omit<LocalDeploymentOptions, 'dir' | 'configFile'>> = {},
): Promise<LocalDeployment & { cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'domicile-e2e-'));
  const deployment = await startLocalDeployment({
    dir,
    configFile: CONFIG_FILE,
    tsmPollMs: 500,
    ...options,
  });
  return {
    ...deployment,
    cleanup: async () => {
      await deployment.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A new wallet whose home is `home`, registered there. */
export async function registeredWallet(
  deployment: LocalDeployment,
  home: string,
  name = 'wallet',
): Promise<Wallet> {
  const wallet = await Wallet.create({
    path: join(deployment.dir, `${name}-${Math.random().toString(36).slice(2)}.wallet`),
    passphrase: PASSPHRASE,
    authorityKey: deployment.authorityKey,
    bootstrapUrl: deployment.baseUrl(home),
    homeRegion: home,
  });
  await wallet.register({ name: 'Test User', email: 'user@example.com' });
  return wallet;
}

export function testCard(region: string, outcome: TestCard['outcome'], index = 0): TestCard {
  const card = TEST_CARDS.filter((c) => c.region === region && c.outcome === outcome)[index];
  if (card === undefined) throw new Error(`no ${outcome} test card ${index} for ${region}`);
  return card;
}

export function cardInput(card: TestCard): {
  pan: string;
  expiry: TestCard['expiry'];
  cvv: string;
  name: string;
} {
  return { pan: card.pan, expiry: card.expiry, cvv: card.cvv, name: card.name };
}

/** The user accepting terms and reading their one-time code from the sandbox outbox. */
export function userHooks(overrides: Partial<AddCardHooks> = {}): AddCardHooks {
  return {
    acceptTerms: () => Promise.resolve(true),
    ...sandboxIdvHooks({ timeoutMs: 5_000 }),
    ...overrides,
  };
}
