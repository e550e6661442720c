import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddCardHooks, ProvisioningStep } from '../provisioning-steps.js';
import { sandboxIdvHooks } from '../sandbox-outbox-client.js';
import { Wallet } from '../wallet.js';
import type { WalletRuntimeOptions } from '../wallet-options.js';
import { FakeNetwork } from './fake-network.js';
import { FakeRegion } from './fake-region.js';
import { makeTestDirectory, type TestDirectory } from './test-directory.js';

/** Test cards (Luhn-valid): by region and by what the fake region's issuer does with them. */
export const CARDS = {
  usGreen: { pan: '4111111111111111', expiry: '12/30', cvv: '123', name: 'Ada Lovelace' },
  usDeclined: { pan: '4000000000000002', expiry: '12/30', cvv: '123', name: 'Ada Lovelace' },
  cnYellow: { pan: '6212345678060005', expiry: '12/30', cvv: '456', name: 'Li Wei' },
} as const;

export const PASSPHRASE = 'test passphrase';

/** Three fake regions on an in-process network, a temp folder, and a way to make wallets in it. */
export interface WalletFixture {
  readonly dir: TestDirectory;
  readonly network: FakeNetwork;
  readonly regions: Readonly<Record<'us' | 'eu' | 'cn', FakeRegion>>;
  readonly folder: string;
  readonly runtime: WalletRuntimeOptions;
  newWallet(name?: string): Promise<Wallet>;
  hooks(steps?: ProvisioningStep[], overrides?: Partial<AddCardHooks>): AddCardHooks;
  cleanup(): Promise<void>;
}

export async function makeWalletFixture(): Promise<WalletFixture> {
  const dir = await makeTestDirectory();
  const network = new FakeNetwork();
  const regions = {
    us: new FakeRegion('us', dir, network),
    eu: new FakeRegion('eu', dir, network),
    cn: new FakeRegion('cn', dir, network),
  };
  const folder = await mkdtemp(join(tmpdir(), 'wallet-'));
  const runtime: WalletRuntimeOptions = {
    fetch: network.fetch,
    retry: { baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5_000 },
    stream: { reconnectDelayMs: 5 },
  };
  return {
    dir,
    network,
    regions,
    folder,
    runtime,
    async newWallet(name = 'wallet.json') {
      const wallet = await Wallet.create({
        path: join(folder, name),
        passphrase: PASSPHRASE,
        authorityKey: dir.authority.publicJwk,
        bootstrapUrl: 'http://eu.test',
        homeRegion: 'us',
        ...runtime,
      });
      await wallet.register({ name: 'Ada Lovelace', email: 'ada@example.com', model: 'test' });
      return wallet;
    },
    hooks(steps = [], overrides = {}) {
      return {
        acceptTerms: () => Promise.resolve(true),
        // No fetch of its own: the hooks read the outbox through the wallet's (FakeNetwork's).
        ...sandboxIdvHooks(),
        onStep: (e) => steps.push(e),
        ...overrides,
      };
    },
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
}
