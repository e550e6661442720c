import { DomicileError } from '@domicile/protocol';
import type { SecureElement } from './secure-element/index.js';
import type { StoredWalletState, WalletStore } from './wallet-store.js';

/**
 * What a browser bundle gets for `wallet-file-store.ts` (the package's `browser` field): a page
 * has no files. Its wallet is `createBrowserWallet` / `openBrowserWallet` (IndexedDB).
 */
function noWalletFile(): DomicileError {
  return new DomicileError('CONFIG_INVALID', {
    details: { reason: 'a browser keeps no wallet file: use createBrowserWallet' },
  });
}

export function createWalletFileStore(_options: {
  readonly path: string;
  readonly passphrase: string;
  readonly state: StoredWalletState;
}): Promise<{ store: WalletStore; secureElement: SecureElement }> {
  return Promise.reject(noWalletFile());
}

export function openWalletFileStore(_options: {
  readonly path: string;
  readonly passphrase: string;
}): Promise<{ store: WalletStore; state: StoredWalletState; secureElement: SecureElement }> {
  return Promise.reject(noWalletFile());
}
