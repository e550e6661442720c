import { SecureElement } from './secure-element/index.js';
import { WalletFile, type KdfParams } from './wallet-file.js';
import type { StoredWalletState, WalletStore } from './wallet-store.js';

/**
 * The wallet file as a {@link WalletStore}: the secure element's keys are written into the
 * encrypted file as JWKs. Node only; a browser bundle takes `wallet-file-store-browser.ts` (the
 * package's `browser` field), whose wallets live in IndexedDB instead.
 */
function fileStore(file: WalletFile): WalletStore {
  return {
    path: file.path,
    save: (state, se) => file.save({ ...state, secureElement: se.exportState() }),
  };
}

/** Creates the wallet file for a new wallet with a fresh secure element. */
export async function createWalletFileStore(options: {
  readonly path: string;
  readonly passphrase: string;
  readonly state: StoredWalletState;
  readonly kdf?: KdfParams;
}): Promise<{ store: WalletStore; secureElement: SecureElement }> {
  const secureElement = await SecureElement.create();
  const file = await WalletFile.create(
    options.path,
    options.passphrase,
    { ...options.state, secureElement: secureElement.exportState() },
    ...(options.kdf === undefined ? [] : [{ kdf: options.kdf }]),
  );
  return { store: fileStore(file), secureElement };
}

/** Opens a wallet file: 'WALLET_NOT_FOUND', or 'WALLET_LOCKED' for a wrong passphrase or a damaged file. */
export async function openWalletFileStore(options: {
  readonly path: string;
  readonly passphrase: string;
}): Promise<{ store: WalletStore; state: StoredWalletState; secureElement: SecureElement }> {
  const { file, state } = await WalletFile.open(options.path, options.passphrase);
  const { secureElement, ...rest } = state;
  return {
    store: fileStore(file),
    state: rest,
    secureElement: await SecureElement.restore(secureElement),
  };
}
